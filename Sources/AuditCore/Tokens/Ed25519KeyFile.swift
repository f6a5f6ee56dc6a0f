import Crypto
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A persistent Ed25519 key in a file: the raw 32-byte private key, base64, file mode 0600.
public enum Ed25519KeyFile {
    /// Loads the key at `path`, or creates one there (mode 0600, parent directories 0700).
    ///
    /// Two processes racing to create the file end up with the same key: creation is
    /// exclusive, and the loser reads the winner's file.
    ///
    /// - Throws: ``Ed25519KeyFileError`` if the file is readable or writable by group or
    ///   others, holds something other than a base64 32-byte key, or cannot be created.
    public static func loadOrCreate(at path: String) throws -> Curve25519.Signing.PrivateKey {
        if let existing = try load(at: path) {
            return existing
        }
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty, !FileManager.default.fileExists(atPath: directory) {
            do {
                try FileManager.default.createDirectory(
                    atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw Ed25519KeyFileError("cannot create directory '\(directory)' for key file '\(path)': \(error.localizedDescription)")
            }
        }
        let key = Curve25519.Signing.PrivateKey()
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if descriptor < 0 {
            let code = errno
            if code == EEXIST, let raced = try load(at: path) {
                return raced
            }
            throw Ed25519KeyFileError("cannot create key file '\(path)': \(String(cString: strerror(code)))")
        }
        defer { close(descriptor) }
        let contents = Array((key.rawRepresentation.base64EncodedString() + "\n").utf8)
        var written = 0
        while written < contents.count {
            let result = contents[written...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if result < 0 {
                if errno == EINTR { continue }
                let code = errno
                unlink(path)
                throw Ed25519KeyFileError("cannot write key file '\(path)': \(String(cString: strerror(code)))")
            }
            written += result
        }
        if fsync(descriptor) != 0 {
            let code = errno
            unlink(path)
            throw Ed25519KeyFileError("cannot sync key file '\(path)': \(String(cString: strerror(code)))")
        }
        return key
    }

    /// The key id for `publicKey`: the first 16 hex characters of SHA-256 of the raw public key.
    public static func keyID(for publicKey: Curve25519.Signing.PublicKey) -> String {
        SHA256.hash(data: publicKey.rawRepresentation)
            .prefix(8)
            .map { byte in
                let hex = String(byte, radix: 16)
                return byte < 16 ? "0" + hex : hex
            }
            .joined()
    }

    /// Reads an existing key file, or returns `nil` if there is none.
    private static func load(at path: String) throws -> Curve25519.Signing.PrivateKey? {
        var info = stat()
        guard stat(path, &info) == 0 else {
            let code = errno
            if code == ENOENT { return nil }
            throw Ed25519KeyFileError("cannot read key file '\(path)': \(String(cString: strerror(code)))")
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw Ed25519KeyFileError("key file '\(path)' is not a regular file")
        }
        let mode = info.st_mode & 0o777
        guard mode & 0o077 == 0 else {
            throw Ed25519KeyFileError(
                "key file '\(path)' is accessible by other users (mode \(String(mode, radix: 8))); run 'chmod 600 \(path)' or remove it to create a new key")
        }
        let data: Data
        do {
            let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
            defer { try? handle.close() }
            data = try handle.read(upToCount: 1024) ?? Data()
        } catch {
            throw Ed25519KeyFileError("cannot read key file '\(path)': \(error.localizedDescription)")
        }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let raw = Data(base64Encoded: text), raw.count == 32,
            let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: raw)
        else {
            throw Ed25519KeyFileError(
                "key file '\(path)' does not hold a base64-encoded 32-byte Ed25519 private key; remove it to create a new key")
        }
        return key
    }
}
