/// A control record of the rcp protocol, parsed from one line (without its newline).
enum SCPRecord: Hashable, Sendable {
    /// `C<mode> <size> <name>`
    case file(mode: UInt32, size: UInt64, name: String)
    /// `D<mode> 0 <name>`
    case directory(mode: UInt32, name: String)
    /// `E`
    case endDirectory
    /// `T<mtime> <mtime µs> <atime> <atime µs>`
    case times(modification: UInt64, access: UInt64)
    /// `\1<message>` (a warning) or `\2<message>` (fatal).
    case error(message: String, isFatal: Bool)

    static func parse(_ line: [UInt8], peer: SCPPeer) throws(SCPError) -> SCPRecord {
        var reader = Reader(bytes: line[...], peer: peer)
        guard let kind = reader.next() else {
            throw SCPError(code: .unexpectedRecord, peer: peer, detail: "an empty line where a control record was expected")
        }
        switch kind {
        case UInt8(ascii: "C"), UInt8(ascii: "D"):
            let what = kind == UInt8(ascii: "C") ? "C" : "D"
            let mode = try reader.mode(what)
            try reader.expectSpace(what, after: "mode")
            let size = try reader.decimal(what, "size")
            try reader.expectSpace(what, after: "size")
            let name = try reader.name(what)
            return kind == UInt8(ascii: "C") ? .file(mode: mode, size: size, name: name) : .directory(mode: mode, name: name)
        case UInt8(ascii: "E"):
            guard reader.isAtEnd else { throw reader.malformed("E", "has bytes after the E") }
            return .endDirectory
        case UInt8(ascii: "T"):
            let modification = try reader.decimal("T", "mtime")
            try reader.expectSpace("T", after: "mtime")
            let modificationMicros = try reader.decimal("T", "mtime microseconds")
            try reader.expectSpace("T", after: "mtime microseconds")
            let access = try reader.decimal("T", "atime")
            try reader.expectSpace("T", after: "atime")
            let accessMicros = try reader.decimal("T", "atime microseconds")
            guard reader.isAtEnd else { throw reader.malformed("T", "has bytes after the atime microseconds") }
            guard modificationMicros < 1_000_000, accessMicros < 1_000_000 else {
                throw reader.malformed("T", "has a microseconds field of a million or more")
            }
            return .times(modification: modification, access: access)
        case 1, 2:
            return .error(message: String(decoding: reader.rest(), as: UTF8.self), isFatal: kind == 2)
        default:
            throw SCPError(
                code: .unexpectedRecord,
                peer: peer,
                detail: "a line starting with byte 0x\(String(kind, radix: 16)) where a C, D, E or T record was expected"
            )
        }
    }

    /// Reads the fields of one line; every failure names the record and the field.
    private struct Reader {
        var bytes: ArraySlice<UInt8>
        let peer: SCPPeer

        var isAtEnd: Bool { self.bytes.isEmpty }

        mutating func next() -> UInt8? { self.bytes.popFirst() }

        mutating func rest() -> ArraySlice<UInt8> {
            defer { self.bytes = [] }
            return self.bytes
        }

        func malformed(_ record: String, _ problem: String) -> SCPError {
            SCPError(code: .malformedRecord, peer: self.peer, detail: "the \(record) record \(problem)")
        }

        /// Exactly four octal digits, as OpenSSH reads them.
        mutating func mode(_ record: String) throws(SCPError) -> UInt32 {
            var mode: UInt32 = 0
            for _ in 0..<4 {
                guard let digit = self.next(), digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "7") else {
                    throw self.malformed(record, "does not start with a mode of four octal digits")
                }
                mode = mode << 3 | UInt32(digit - UInt8(ascii: "0"))
            }
            return mode
        }

        mutating func expectSpace(_ record: String, after field: String) throws(SCPError) {
            guard self.next() == UInt8(ascii: " ") else {
                throw self.malformed(record, "lacks the single space after its \(field)")
            }
        }

        /// One or more decimal digits that fit in 64 bits.
        mutating func decimal(_ record: String, _ field: String) throws(SCPError) -> UInt64 {
            var value: UInt64 = 0
            var digits = 0
            while let digit = self.bytes.first, digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "9") {
                self.bytes.removeFirst()
                let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
                let (sum, overflow2) = times10.addingReportingOverflow(UInt64(digit - UInt8(ascii: "0")))
                guard !overflow1, !overflow2 else { throw self.malformed(record, "has a \(field) too large for 64 bits") }
                value = sum
                digits += 1
            }
            guard digits > 0 else { throw self.malformed(record, "has no decimal \(field)") }
            return value
        }

        /// The rest of the line as one path component.
        mutating func name(_ record: String) throws(SCPError) -> String {
            let name = self.rest()
            let problem: String? =
                if name.isEmpty { "is empty" }
                else if name.elementsEqual(".".utf8) || name.elementsEqual("..".utf8) { "is . or .." }
                else if name.contains(UInt8(ascii: "/")) { "contains /" }
                else if name.contains(0) { "contains a NUL byte" }
                else { nil }
            if let problem {
                throw SCPError(
                    code: .invalidName,
                    peer: self.peer,
                    detail: "the name in the \(record) record \(problem); only a single path component is allowed"
                )
            }
            return String(decoding: name, as: UTF8.self)
        }
    }
}
