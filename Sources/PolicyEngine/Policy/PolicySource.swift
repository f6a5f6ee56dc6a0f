/// The text of one policy file, with the name its errors should carry.
public struct PolicySource: Sendable, Hashable {
    /// The file's path or another label for messages (`inline`, `admin-api`).
    public var name: String
    /// YAML text.
    public var text: String

    public init(name: String, text: String) {
        self.name = name
        self.text = text
    }
}
