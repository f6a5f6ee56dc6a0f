/// What happens to a value a masking rule selects.
public enum MaskingAction: Sendable, Hashable, CustomStringConvertible {
    /// Replace the value with ``MaskingAction/redactedMarker``.
    case redact
    /// Replace every letter, digit and other non-punctuation character with `*` except the
    /// last `keepLast`; spaces and ASCII punctuation keep their places
    /// (`4111 1111 1111 1111` → `**** **** **** 1111`). Never reveals more than half of the
    /// maskable characters, so a short value is not given away whole.
    case partial(keepLast: Int)
    /// Replace the value with a deterministic token, `pseud_` and 12 hex digits of
    /// HMAC-SHA256(gateway secret, value): the same value always gives the same token (joins
    /// and group-bys still work), a different secret gives different tokens.
    case pseudonym

    /// What a redacted value becomes (the same marker the interim column masker uses).
    public static let redactedMarker = ColumnMasker.redacted

    /// The range `partial` accepts for `keepLast`.
    public static let keepRange = 1...32

    /// The `keep` used when a profile writes `action: partial` without one.
    public static let defaultKeep = 4

    /// The action names users write in policy files.
    public static let names = ["redact", "partial", "pseudonym"]

    public var description: String {
        switch self {
        case .redact: "redact"
        case .partial(let keep): "partial(keep \(keep))"
        case .pseudonym: "pseudonym"
        }
    }
}
