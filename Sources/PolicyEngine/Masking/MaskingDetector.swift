/// A kind of sensitive value the masking engine recognises inside text, wherever it
/// appears (a result value, a statement, a bound parameter, terminal output).
///
/// Raw values are the names users write in policy files (`payment_card`, `us_ssn`, ...).
/// Every detector is a hand-written scanner over UTF-8 bytes: linear time, bounded
/// look-ahead, no regular expressions. Near misses (a card failing Luhn, an IBAN failing
/// mod-97, `192.168.1.300`, SSN `000-12-3456`) are left alone.
///
/// Cases are declared in priority order: when two detectors match at the same position,
/// the earlier case wins.
public enum MaskingDetector: String, Sendable, Hashable, CaseIterable, Codable, CustomStringConvertible {
    /// A PEM private key block, `-----BEGIN ... PRIVATE KEY-----` through its `-----END ...-----`
    /// line (at most 64 KiB; an unterminated block is masked to the end of the text or that bound).
    case pemPrivateKey = "pem_private_key"
    /// A JSON Web Token: a header segment starting `eyJ`, a payload and a (possibly empty)
    /// signature, base64url, joined by dots (five segments for JWE). Masked up to 8 KiB.
    case jwt
    /// An AWS access key id: `AKIA` or `ASIA` and 16 upper-case letters or digits.
    case awsAccessKey = "aws_access_key"
    /// A Google API key: `AIza` and 35 base64url characters.
    case gcpAPIKey = "gcp_api_key"
    /// The value of an assignment to a secret-looking key: `password=...`, `passwd: ...`,
    /// `pwd=`, `secret=`, `api_key=`, `token=`, `"password": "..."`, `--token=...`,
    /// `Authorization: Bearer ...`, SQL `PASSWORD '...'`. The key stays; the value is masked.
    case passwordAssignment = "password_assignment"
    /// An e-mail address: `local@domain.tld` (ASCII; the domain has a dot and an
    /// alphabetic top-level label).
    case email
    /// An IBAN: country letters, check digits and up to 30 letters or digits (upper case,
    /// optionally in groups of four), valid under ISO 7064 mod-97.
    case iban
    /// An IPv6 address, full or `::`-compressed, optionally ending in dotted IPv4.
    case ipv6
    /// A dotted-quad IPv4 address with every part 0–255 (`1.2.3.4.5` is a version, not an address).
    case ipv4
    /// A US social security number `AAA-GG-SSSS`, excluding areas 000, 666 and 900–999,
    /// group 00 and serial 0000.
    case usSSN = "us_ssn"
    /// A payment card number: 13–19 digits, optionally in groups split by spaces or dashes,
    /// Luhn-valid, with the prefix and length of a major scheme (Visa, Mastercard, Amex,
    /// Discover, JCB, Diners, UnionPay, Maestro, Mir).
    case paymentCard = "payment_card"
    /// A phone number: E.164 (`+` and 8–15 digits, separators allowed) or a national format
    /// with separators (`(555) 123-4567`, `555-123-4567`, `020 7946 0958`). Digit runs without
    /// separators (ids, card numbers) are not phone numbers.
    case phone

    public var description: String { rawValue }

    /// The detector's bit in a ``DetectorSet``; its priority is its position.
    var ordinal: Int {
        switch self {
        case .pemPrivateKey: 0
        case .jwt: 1
        case .awsAccessKey: 2
        case .gcpAPIKey: 3
        case .passwordAssignment: 4
        case .email: 5
        case .iban: 6
        case .ipv6: 7
        case .ipv4: 8
        case .usSSN: 9
        case .paymentCard: 10
        case .phone: 11
        }
    }

    /// The detector at `ordinal`.
    @inline(__always)
    static func at(ordinal: Int) -> MaskingDetector { byOrdinal[ordinal] }

    /// Detectors by ordinal (`allCases` builds a new array on every call).
    private static let byOrdinal: [MaskingDetector] = {
        let all = allCases
        precondition(all.indices.allSatisfy { all[$0].ordinal == $0 }, "MaskingDetector.ordinal must follow declaration order")
        return all
    }()

    /// The names users may write, for error messages.
    static var namesForHumans: String { allCases.map(\.rawValue).joined(separator: ", ") }
}
