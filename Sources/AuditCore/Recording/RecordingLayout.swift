import Foundation

/// Where recordings live: `directory/<sessionID>/<index, 6 digits>.cast.gz`.
enum RecordingLayout {
    /// Session ids become directory names, so only `[A-Za-z0-9._-]`, 1–128 characters, not
    /// starting with a dot, are accepted (no path traversal).
    static func validate(sessionID: String) throws {
        let allowed = sessionID.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."):
                return true
            default:
                return false
            }
        }
        guard allowed, (1...128).contains(sessionID.utf8.count), !sessionID.hasPrefix(".") else {
            throw RecordingError(.invalidSessionID, "session id \"\(sessionID.prefix(64))\" cannot name a recording: use 1–128 of A–Z a–z 0–9 . _ - and do not start with a dot")
        }
    }

    static func sessionDirectory(_ directory: String, _ sessionID: String) -> String {
        (directory as NSString).appendingPathComponent(sessionID)
    }

    static func chunkName(_ index: Int) -> String {
        let digits = String(index)
        return String(repeating: "0", count: max(0, 6 - digits.count)) + digits + ".cast.gz"
    }

    static func chunkPath(_ directory: String, _ sessionID: String, _ index: Int) -> String {
        (sessionDirectory(directory, sessionID) as NSString).appendingPathComponent(chunkName(index))
    }
}
