/// A file an `scp` transfer announced with a `C` record.
public struct SCPFile: Hashable, Sendable {
    /// The name in the record: one path component, checked to be neither empty, `.`, `..`,
    /// nor to hold `/`.
    public var name: String
    /// The directories entered (`D` records) so far, joined by `/`, relative to the
    /// command's target; empty at the top level.
    public var directory: String
    /// The permission bits sent (`0644`).
    public var mode: UInt32
    /// The number of data bytes that follow the record.
    public var size: UInt64
    /// From a preceding `T` record (`scp -p`): seconds since 1970.
    public var modificationTime: UInt64?
    /// From a preceding `T` record (`scp -p`): seconds since 1970.
    public var accessTime: UInt64?

    public init(
        name: String,
        directory: String = "",
        mode: UInt32,
        size: UInt64,
        modificationTime: UInt64? = nil,
        accessTime: UInt64? = nil
    ) {
        self.name = name
        self.directory = directory
        self.mode = mode
        self.size = size
        self.modificationTime = modificationTime
        self.accessTime = accessTime
    }

    /// ``directory`` and ``name`` joined: the file's path relative to the command's target.
    public var path: String {
        self.directory.isEmpty ? self.name : self.directory + "/" + self.name
    }
}
