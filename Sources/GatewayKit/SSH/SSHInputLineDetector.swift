/// Finds the command lines a person types into an interactive shell, as a best effort.
///
/// The gateway sees keystrokes, not what the shell made of them: it applies backspace,
/// Ctrl-U, Ctrl-W and Ctrl-C itself and drops escape sequences (arrow keys, history), so a
/// line edited with the cursor keys, completed with Tab or recalled from history is
/// reported as typed, not as run. Lines typed at a password prompt are not reported (see
/// ``noteOutput(_:)``). Events carry `detected: true` for that reason.
struct SSHInputLineDetector: Sendable {
    /// Longest line kept; the rest of a longer line is dropped (and the line marked).
    static let maximumLine = 4096

    private var line: [UInt8] = []
    private var escape = EscapeState.none
    private var truncated = false
    /// The last output ended in a password prompt: the next line is a secret.
    private(set) var secretPending = false
    /// Whether the line being typed now is a secret (typed at a password prompt).
    private(set) var inSecret = false
    /// The tail of the latest output, to recognise prompts.
    private var outputTail: [UInt8] = []

    private enum EscapeState: Sendable {
        case none, escape, csi, osc
    }

    /// A completed line, and whether it was cut at ``maximumLine``.
    struct Line: Sendable, Equatable {
        var text: String
        var truncated: Bool
    }

    /// Feeds typed bytes; returns the lines they complete.
    mutating func feed(_ bytes: some Sequence<UInt8>) -> [Line] {
        var lines: [Line] = []
        for byte in bytes {
            if secretPending, line.isEmpty { inSecret = true }
            switch escape {
            case .escape:
                escape = byte == UInt8(ascii: "[") ? .csi : byte == UInt8(ascii: "]") ? .osc : .none
                continue
            case .csi:
                if (0x40...0x7E).contains(byte) { escape = .none }
                continue
            case .osc:
                if byte == 0x07 || byte == 0x1B { escape = .none }
                continue
            case .none:
                break
            }
            switch byte {
            case 0x1B: escape = .escape
            case 0x0D, 0x0A:
                let text = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespaces)
                if !inSecret && !text.isEmpty { lines.append(Line(text: text, truncated: truncated)) }
                line.removeAll(keepingCapacity: true)
                truncated = false
                inSecret = false
                secretPending = false
            case 0x7F, 0x08:
                // Backspace removes one character (and a UTF-8 sequence's continuation bytes).
                while let last = line.popLast(), last & 0xC0 == 0x80 {}
            case 0x15, 0x03:  // Ctrl-U, Ctrl-C: the line is gone
                line.removeAll(keepingCapacity: true)
                truncated = false
                if byte == 0x03 { inSecret = false; secretPending = false }
            case 0x17:  // Ctrl-W: the last word is gone
                while line.last == UInt8(ascii: " ") { line.removeLast() }
                while let last = line.last, last != UInt8(ascii: " ") { line.removeLast() }
            case 0x09:
                line.append(UInt8(ascii: " "))  // completion: the shell knows what it inserted
            default:
                if byte < 0x20 { continue }
                if line.count < Self.maximumLine { line.append(byte) } else { truncated = true }
            }
        }
        return lines
    }

    /// Watches output for a password prompt (`Password:`, `[sudo] password for x:`,
    /// `Enter passphrase ...:`): the line typed after it is a secret, neither recorded
    /// nor reported.
    mutating func noteOutput(_ bytes: some Collection<UInt8>) {
        outputTail.append(contentsOf: bytes.suffix(128))
        if outputTail.count > 128 { outputTail.removeFirst(outputTail.count - 128) }
        var text = String(decoding: outputTail, as: UTF8.self).lowercased()
        while let last = text.last, last == " " || last == "\t" { text.removeLast() }
        guard text.hasSuffix(":") else { return }
        let lastLine = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r" }).last ?? ""
        if lastLine.contains("password") || lastLine.contains("passphrase") || lastLine.contains("passcode") || lastLine.contains("pin:") {
            secretPending = true
        }
    }
}
