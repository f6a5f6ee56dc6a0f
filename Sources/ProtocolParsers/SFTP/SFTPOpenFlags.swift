/// The `pflags` of `SSH_FXP_OPEN`: how the client wants the file opened.
public struct SFTPOpenFlags: OptionSet, Hashable, Sendable {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// `SSH_FXF_READ`
    public static let read = SFTPOpenFlags(rawValue: 0x01)
    /// `SSH_FXF_WRITE`
    public static let write = SFTPOpenFlags(rawValue: 0x02)
    /// `SSH_FXF_APPEND`: every write goes to the end of the file.
    public static let append = SFTPOpenFlags(rawValue: 0x04)
    /// `SSH_FXF_CREAT`: create the file if it does not exist.
    public static let create = SFTPOpenFlags(rawValue: 0x08)
    /// `SSH_FXF_TRUNC`: truncate an existing file (requires ``create``).
    public static let truncate = SFTPOpenFlags(rawValue: 0x10)
    /// `SSH_FXF_EXCL`: fail if the file exists (requires ``create``).
    public static let exclusive = SFTPOpenFlags(rawValue: 0x20)

    /// Whether the open can change the file (write, append, create or truncate).
    public var modifiesFile: Bool {
        !self.isDisjoint(with: [.write, .append, .create, .truncate])
    }
}

extension SFTPOpenFlags: CustomStringConvertible {
    /// The flags as words joined by `|`, for example `write|create|truncate`; unknown bits
    /// as hexadecimal; `none` for zero.
    public var description: String {
        let named: [(SFTPOpenFlags, String)] = [
            (.read, "read"), (.write, "write"), (.append, "append"),
            (.create, "create"), (.truncate, "truncate"), (.exclusive, "exclusive"),
        ]
        var words = named.filter { self.contains($0.0) }.map(\.1)
        let unknown = self.rawValue & ~0x3F
        if unknown != 0 { words.append("0x" + String(unknown, radix: 16)) }
        return words.isEmpty ? "none" : words.joined(separator: "|")
    }
}
