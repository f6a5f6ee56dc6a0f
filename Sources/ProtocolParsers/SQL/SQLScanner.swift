/// The byte-level tokenizer behind ``SQLLexer``, ``SQLStatementSplitter`` and
/// ``SQLClassifier``: yields one ``SQLToken`` at a time without allocating.
///
/// Every call to ``next()`` consumes at least one byte, so scanning always terminates, and
/// the tokens cover the input exactly. Unterminated strings, quoted identifiers, dollar
/// quotes and block comments extend to the end of the input.
struct SQLScanner {
    let bytes: UnsafeBufferPointer<UInt8>
    let dialect: SQLDialect
    let backslashEscapes: Bool
    private(set) var position = 0
    /// Inside a MySQL `/*!NNNNN ... */` executable comment.
    private var inExecutableComment = false

    init(bytes: UnsafeBufferPointer<UInt8>, dialect: SQLDialect, backslashEscapes: Bool? = nil) {
        self.bytes = bytes
        self.dialect = dialect
        self.backslashEscapes = backslashEscapes ?? dialect.defaultBackslashEscapes
    }

    /// Runs `body` over the UTF-8 bytes of `string`, without copying native strings.
    static func withBytes<R>(of string: String, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        if let result = string.utf8.withContiguousStorageIfAvailable(body) {
            return result
        }
        return Array(string.utf8).withUnsafeBufferPointer(body)
    }

    /// The next token, or `nil` at the end of the input.
    mutating func next() -> SQLToken? {
        let start = position
        guard start < bytes.count else { return nil }
        let kind = scanToken()
        if position <= start { position = start + 1 }  // defensive: always make progress
        if position > bytes.count { position = bytes.count }
        return SQLToken(kind: kind, range: start..<position)
    }

    // MARK: - Token rules

    @inline(__always)
    private func byte(_ index: Int) -> UInt8 {
        index < bytes.count ? bytes[index] : 0
    }

    private mutating func scanToken() -> SQLToken.Kind {
        let c = bytes[position]
        let next = byte(position + 1)
        switch c {
        case 0x20, 0x09, 0x0A, 0x0D, 0x0C, 0x0B:
            position += 1
            while position < bytes.count, Self.isWhitespace(bytes[position]) { position += 1 }
            return .whitespace
        case UInt8(ascii: "-") where next == UInt8(ascii: "-") && startsDashComment(at: position):
            return scanLineComment()
        case UInt8(ascii: "#") where dialect == .mysql:
            return scanLineComment()
        case UInt8(ascii: "/") where next == UInt8(ascii: "*"):
            return scanBlockComment()
        case UInt8(ascii: "*") where inExecutableComment && next == UInt8(ascii: "/"):
            inExecutableComment = false
            position += 2
            return .comment
        case UInt8(ascii: "'"):
            position += 1
            scanQuoted(UInt8(ascii: "'"), backslash: backslashEscapes)
            return .string
        case UInt8(ascii: "\""):
            position += 1
            if dialect == .mysql {
                scanQuoted(UInt8(ascii: "\""), backslash: backslashEscapes)
                return .string
            }
            scanQuoted(UInt8(ascii: "\""), backslash: false)
            return .quotedIdentifier
        case UInt8(ascii: "`") where dialect == .mysql:
            position += 1
            scanQuoted(UInt8(ascii: "`"), backslash: false)
            return .quotedIdentifier
        case UInt8(ascii: "$") where dialect == .postgres:
            return scanDollar()
        case UInt8(ascii: "?") where dialect == .mysql:
            position += 1
            return .parameter
        case UInt8(ascii: "0")...UInt8(ascii: "9"):
            scanNumber()
            return .number
        case UInt8(ascii: ".") where Self.isDigit(next):
            scanNumber()
            return .number
        case UInt8(ascii: ";"):
            position += 1
            return .semicolon
        case UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "["), UInt8(ascii: "]"),
            UInt8(ascii: ","), UInt8(ascii: "."), UInt8(ascii: "{"), UInt8(ascii: "}"):
            position += 1
            return .operatorOrPunctuation
        default:
            if Self.isIdentifierStart(c) {
                return scanWordOrPrefixedString(c, next: next)
            }
            if isOperatorByte(c) {
                scanOperator()
                return .operatorOrPunctuation
            }
            position += 1
            return .operatorOrPunctuation
        }
    }

    /// `--` starts a comment in PostgreSQL; MySQL also needs whitespace, a control
    /// character or the end of input after it (`1--1` is `1 - -1`).
    private func startsDashComment(at index: Int) -> Bool {
        guard dialect == .mysql else { return true }
        let after = index + 2
        return after >= bytes.count || bytes[after] <= 0x20
    }

    private mutating func scanLineComment() -> SQLToken.Kind {
        while position < bytes.count, bytes[position] != 0x0A { position += 1 }
        return .comment
    }

    private mutating func scanBlockComment() -> SQLToken.Kind {
        position += 2
        if dialect == .mysql {
            if byte(position) == UInt8(ascii: "!") && !inExecutableComment {
                // Executable comment: the delimiter is a comment, the body is SQL.
                position += 1
                while position < bytes.count, Self.isDigit(bytes[position]) { position += 1 }
                inExecutableComment = true
                return .comment
            }
            while position < bytes.count {
                if bytes[position] == UInt8(ascii: "*") && byte(position + 1) == UInt8(ascii: "/") {
                    position += 2
                    return .comment
                }
                position += 1
            }
            return .comment
        }
        var depth = 1
        while position < bytes.count {
            let b = bytes[position]
            if b == UInt8(ascii: "/") && byte(position + 1) == UInt8(ascii: "*") {
                depth += 1
                position += 2
            } else if b == UInt8(ascii: "*") && byte(position + 1) == UInt8(ascii: "/") {
                depth -= 1
                position += 2
                if depth == 0 { return .comment }
            } else {
                position += 1
            }
        }
        return .comment
    }

    /// Scans to just past the closing `quote` (a doubled quote is an escaped quote; with
    /// `backslash`, a backslash escapes the next byte), or to the end of input.
    private mutating func scanQuoted(_ quote: UInt8, backslash: Bool) {
        while position < bytes.count {
            let b = bytes[position]
            if backslash && b == UInt8(ascii: "\\") {
                position = min(position + 2, bytes.count)
            } else if b == quote {
                if byte(position + 1) == quote {
                    position += 2
                } else {
                    position += 1
                    return
                }
            } else {
                position += 1
            }
        }
    }

    /// `$1` parameter, `$tag$...$tag$` dollar quote, or a lone `$`.
    private mutating func scanDollar() -> SQLToken.Kind {
        let start = position
        var index = start + 1
        if Self.isDigit(byte(index)) {
            while index < bytes.count, Self.isDigit(bytes[index]) { index += 1 }
            position = index
            return .parameter
        }
        if index < bytes.count, Self.isIdentifierStart(bytes[index]) {
            index += 1
            while index < bytes.count, Self.isDollarTagByte(bytes[index]) { index += 1 }
        }
        guard index < bytes.count, bytes[index] == UInt8(ascii: "$") else {
            position = start + 1
            return .operatorOrPunctuation
        }
        let delimiter = start...index
        let delimiterLength = delimiter.count
        var search = index + 1
        while search + delimiterLength <= bytes.count {
            if bytes[search] == UInt8(ascii: "$") {
                var matches = true
                for k in 1..<delimiterLength where bytes[search + k] != bytes[start + k] {
                    matches = false
                    break
                }
                if matches {
                    position = search + delimiterLength
                    return .dollarQuoted
                }
            }
            search += 1
        }
        position = bytes.count
        return .dollarQuoted
    }

    private mutating func scanNumber() {
        let c = bytes[position]
        if c == UInt8(ascii: "0") {
            let p = byte(position + 1) | 0x20
            if p == UInt8(ascii: "x") || p == UInt8(ascii: "o") || p == UInt8(ascii: "b"),
                Self.isHexDigit(byte(position + 2))
            {
                position += 2
                while position < bytes.count, Self.isHexDigit(bytes[position]) || bytes[position] == UInt8(ascii: "_") {
                    position += 1
                }
                return
            }
        }
        while position < bytes.count, Self.isDigit(bytes[position]) || bytes[position] == UInt8(ascii: "_") {
            position += 1
        }
        if byte(position) == UInt8(ascii: ".") && byte(position + 1) != UInt8(ascii: ".") {
            position += 1
            while position < bytes.count, Self.isDigit(bytes[position]) || bytes[position] == UInt8(ascii: "_") {
                position += 1
            }
        }
        if byte(position) | 0x20 == UInt8(ascii: "e") {
            var index = position + 1
            if byte(index) == UInt8(ascii: "+") || byte(index) == UInt8(ascii: "-") { index += 1 }
            if Self.isDigit(byte(index)) {
                position = index
                while position < bytes.count, Self.isDigit(bytes[position]) { position += 1 }
            }
        }
    }

    private mutating func scanWordOrPrefixedString(_ c: UInt8, next: UInt8) -> SQLToken.Kind {
        let lower = c | 0x20
        if next == UInt8(ascii: "'") {
            switch lower {
            case UInt8(ascii: "e") where dialect == .postgres:
                position += 2
                scanQuoted(UInt8(ascii: "'"), backslash: true)
                return .string
            case UInt8(ascii: "n"), UInt8(ascii: "b"), UInt8(ascii: "x"):
                position += 2
                scanQuoted(UInt8(ascii: "'"), backslash: backslashEscapes && lower == UInt8(ascii: "n"))
                return .string
            default:
                break
            }
        }
        if dialect == .postgres && lower == UInt8(ascii: "u") && next == UInt8(ascii: "&") {
            let quote = byte(position + 2)
            if quote == UInt8(ascii: "'") {
                position += 3
                scanQuoted(quote, backslash: false)
                return .string
            }
            if quote == UInt8(ascii: "\"") {
                position += 3
                scanQuoted(quote, backslash: false)
                return .quotedIdentifier
            }
        }
        position += 1
        while position < bytes.count, Self.isIdentifierByte(bytes[position]) { position += 1 }
        return .keywordOrIdentifier
    }

    private func isOperatorByte(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "*"), UInt8(ascii: "/"),
            UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "="), UInt8(ascii: "~"),
            UInt8(ascii: "!"), UInt8(ascii: "@"), UInt8(ascii: "%"), UInt8(ascii: "^"),
            UInt8(ascii: "&"), UInt8(ascii: "|"), UInt8(ascii: ":"):
            return true
        case UInt8(ascii: "#"), UInt8(ascii: "`"), UInt8(ascii: "?"):
            return dialect == .postgres
        default:
            return false
        }
    }

    /// A run of operator bytes, stopping before anything that starts a comment.
    private mutating func scanOperator() {
        position += 1
        while position < bytes.count, isOperatorByte(bytes[position]) {
            let b = bytes[position]
            let n = byte(position + 1)
            if b == UInt8(ascii: "-") && n == UInt8(ascii: "-") && startsDashComment(at: position) { return }
            if b == UInt8(ascii: "/") && n == UInt8(ascii: "*") { return }
            if b == UInt8(ascii: "*") && n == UInt8(ascii: "/") && inExecutableComment { return }
            position += 1
        }
    }

    // MARK: - Byte classes

    @inline(__always)
    static func isWhitespace(_ b: UInt8) -> Bool {
        b == 0x20 || (b >= 0x09 && b <= 0x0D)
    }

    @inline(__always)
    static func isDigit(_ b: UInt8) -> Bool {
        b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")
    }

    @inline(__always)
    static func isHexDigit(_ b: UInt8) -> Bool {
        isDigit(b) || (b | 0x20 >= UInt8(ascii: "a") && b | 0x20 <= UInt8(ascii: "f"))
    }

    @inline(__always)
    static func isIdentifierStart(_ b: UInt8) -> Bool {
        let l = b | 0x20
        return (l >= UInt8(ascii: "a") && l <= UInt8(ascii: "z")) || b == UInt8(ascii: "_") || b >= 0x80
    }

    @inline(__always)
    static func isIdentifierByte(_ b: UInt8) -> Bool {
        isIdentifierStart(b) || isDigit(b) || b == UInt8(ascii: "$")
    }

    @inline(__always)
    static func isDollarTagByte(_ b: UInt8) -> Bool {
        isIdentifierStart(b) || isDigit(b)
    }
}
