/// A `(string name, string data)` pair: the extensions a client announces in INIT and a
/// server in VERSION (for example `posix-rename@openssh.com` with data `1`), and the
/// extended attributes of ``SFTPAttributes``.
public struct SFTPExtensionPair: Hashable, Sendable {
    public var name: String
    public var data: String

    public init(name: String, data: String) {
        self.name = name
        self.data = data
    }
}
