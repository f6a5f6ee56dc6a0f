/// Paths of file transfers as the policy sees them.
enum SSHFilePath {
    /// `path` with `//`, `.` and `..` resolved lexically (`/tmp/./a/../b` is `/tmp/b`), so a
    /// rule on `/tmp/agw-denied/*` also catches `/tmp/x/../agw-denied/f`. `..` never climbs
    /// above `/`; a relative path stays relative (to the login's home directory on the
    /// server) and keeps the `..` it starts with. Symbolic links are the server's business:
    /// the gateway cannot see them.
    static func normalize(_ path: String) -> String {
        let absolute = path.hasPrefix("/")
        var parts: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            switch part {
            case ".": continue
            case "..":
                if let last = parts.last, last != ".." {
                    parts.removeLast()
                } else if !absolute {
                    parts.append(part)
                }
            default: parts.append(part)
            }
        }
        let joined = parts.joined(separator: "/")
        if absolute { return "/" + joined }
        return joined.isEmpty ? "." : joined
    }

    /// The policy objects of a file operation on `paths`: each normalized path, and the same
    /// with `read:` or `write:` in front, so a rule can name the kind of access
    /// (`write:/etc/*`) or any access (`/etc/*`).
    /// - Parameter inside: Add each path with `/` after it too, for operands that may name a
    ///   directory the files go into or come from (`/tmp/in/*` then matches `/tmp/in`).
    static func objects(_ paths: [String], writes: Bool, inside: Bool = false) -> [String] {
        let prefix = writes ? "write:" : "read:"
        var normalized = paths.map(normalize)
        if inside { normalized += normalized.map { $0.hasSuffix("/") ? $0 : $0 + "/" } }
        return normalized.flatMap { [$0, prefix + $0] }
    }
}
