import Foundation

/// Where a secret lives: `env:NAME` or `file:PATH`. The configuration holds only references,
/// never secret values, and nothing ever prints a resolved value.
public enum CredentialReference: Sendable, Hashable, CustomStringConvertible {
    case environment(String)
    case file(String)

    /// Parses `env:NAME` or `file:PATH`; nil for anything else (including literal secrets,
    /// which are refused without being echoed).
    public init?(parsing text: String) {
        if text.hasPrefix("env:") {
            let name = String(text.dropFirst(4))
            guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else { return nil }
            self = .environment(name)
        } else if text.hasPrefix("file:") {
            let path = String(text.dropFirst(5))
            guard !path.isEmpty else { return nil }
            self = .file(path)
        } else {
            return nil
        }
    }

    public var description: String {
        switch self {
        case .environment(let name): return "env:\(name)"
        case .file(let path): return "file:\(path)"
        }
    }

    /// Why the reference cannot be resolved right now, or nil if it can.
    public func problem(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        switch self {
        case .environment(let name):
            return environment[name] == nil ? "environment variable \(name) is not set" : nil
        case .file(let path):
            return FileManager.default.isReadableFile(atPath: path) ? nil : "file \(path) does not exist or is not readable"
        }
    }

    /// Reads the secret. Trailing newlines of files are dropped.
    public func resolve(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Secret {
        switch self {
        case .environment(let name):
            guard let value = environment[name] else {
                throw CredentialError(message: "environment variable \(name) is not set")
            }
            return Secret(value)
        case .file(let path):
            guard let data = FileManager.default.contents(atPath: path),
                  var text = String(data: data, encoding: .utf8)
            else { throw CredentialError(message: "cannot read credential file \(path)") }
            while text.hasSuffix("\n") || text.hasSuffix("\r") { text.removeLast() }
            return Secret(text)
        }
    }
}

/// A credential could not be resolved. The message names the reference, never a value.
public struct CredentialError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// A secret value that refuses to print itself: `description`, `debugDescription` and
/// string interpolation all give `<redacted>`, and reflection (`dump`, `Mirror`) shows no
/// children. Read it explicitly with ``reveal()``.
public struct Secret: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    private let value: String
    public init(_ value: String) { self.value = value }
    /// The secret itself, for handing to an upstream authentication step only.
    public func reveal() -> String { value }
    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}
