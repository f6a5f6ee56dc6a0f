/// Splits a command line into words the way a POSIX shell would for a *simple* command,
/// and refuses (returns `nil`) whatever could make the shell do more than run one program
/// with literal arguments.
enum SCPShellWords {
    /// Characters that, unquoted, start another command, a redirection, a substitution, a
    /// subshell or a brace expansion.
    private static let unquotedSpecials: Set<Character> = [";", "&", "|", "<", ">", "(", ")", "$", "`", "{", "}", "\n", "\r", "\r\n"]

    static func split(_ line: String) -> [String]? {
        var words: [String] = []
        var word = ""
        var inWord = false
        var characters = line.makeIterator()
        while let character = characters.next() {
            switch character {
            case " ", "\t":
                if inWord { words.append(word) }
                word = ""
                inWord = false
            case "'":
                inWord = true
                while true {
                    guard let next = characters.next() else { return nil }
                    if next == "'" { break }
                    word.append(next)
                }
            case "\"":
                inWord = true
                while true {
                    guard let next = characters.next() else { return nil }
                    if next == "\"" { break }
                    if next == "$" || next == "`" { return nil }
                    if next == "\\" {
                        guard let escaped = characters.next() else { return nil }
                        switch escaped {
                        case "$", "`", "\"", "\\": word.append(escaped)
                        case "\n": break
                        default: word.append("\\"); word.append(escaped)
                        }
                        continue
                    }
                    word.append(next)
                }
            case "\\":
                guard let escaped = characters.next() else { return nil }
                if escaped != "\n" {
                    word.append(escaped)
                    inWord = true
                }
            case "#" where !inWord:
                return nil
            default:
                if Self.unquotedSpecials.contains(character) { return nil }
                word.append(character)
                inWord = true
            }
        }
        if inWord { words.append(word) }
        return words
    }
}
