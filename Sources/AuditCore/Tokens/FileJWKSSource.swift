import Foundation

/// A JWKS read from a local file; re-read on every fetch, so replacing the file rotates keys.
public struct FileJWKSSource: JWKSSource {
    /// The largest JWKS file accepted (1 MiB).
    public static let maximumSize = 1 << 20

    /// The file path.
    public let path: String

    /// Reads the JWKS at `path` (re-read whenever the verifier refetches).
    public init(path: String) {
        self.path = path
    }

    /// Files can change, but are only re-read on an unknown `kid`.
    public var isRemote: Bool { false }

    /// Reads the file.
    ///
    /// - Throws: ``JWKSSourceError`` naming the path if it cannot be read or exceeds 1 MiB.
    public func fetchJWKS() async throws -> Data {
        let url = URL(fileURLWithPath: path)
        let data: Data
        do {
            let handle = try FileHandle(forReadingFrom: url)
            defer { try? handle.close() }
            data = try handle.read(upToCount: Self.maximumSize + 1) ?? Data()
        } catch {
            throw JWKSSourceError("cannot read JWKS file '\(path)': \(error.localizedDescription)")
        }
        guard data.count <= Self.maximumSize else {
            throw JWKSSourceError("JWKS file '\(path)' is larger than 1 MiB")
        }
        return data
    }
}
