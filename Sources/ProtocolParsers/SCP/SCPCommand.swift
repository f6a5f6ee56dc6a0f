/// The remote command an `scp` client runs over an exec channel in legacy mode (`scp -O`):
/// `scp -t [-r] [-p] [-d] [-v] [--] TARGET` to upload, `scp -f [-r] [-p] [-v] [--] PATH...`
/// to download.
///
/// ```swift
/// if let scp = SCPCommand(commandLine: execCommand) {
///     var transfer = SCPTransferDecoder(direction: scp.direction)   // audit scp.paths
/// } else {
///     // an ordinary exec command
/// }
/// ```
public struct SCPCommand: Hashable, Sendable {
    /// Which way files move.
    public enum Direction: Hashable, Sendable {
        /// `scp -t` (to): the client sends files, the server writes them under the target.
        case upload
        /// `scp -f` (from): the server sends the files the paths name.
        case download
    }

    public var direction: Direction
    /// The operands as the remote shell would pass them (quotes removed): for an upload the
    /// one target, for a download the source paths, which may hold glob characters (`*`,
    /// `?`, `[`) the remote shell expands.
    public var paths: [String]
    /// `-r`: directories are copied recursively.
    public var recursive: Bool
    /// `-p`: times and modes are preserved (`T` records precede files).
    public var preserveTimes: Bool
    /// `-d`: the target must be a directory (an upload of several files).
    public var targetMustBeDirectory: Bool
    /// `-v`
    public var verbose: Bool

    public init(
        direction: Direction,
        paths: [String],
        recursive: Bool = false,
        preserveTimes: Bool = false,
        targetMustBeDirectory: Bool = false,
        verbose: Bool = false
    ) {
        self.direction = direction
        self.paths = paths
        self.recursive = recursive
        self.preserveTimes = preserveTimes
        self.targetMustBeDirectory = targetMustBeDirectory
        self.verbose = verbose
    }

    /// Recognises an exec command line as a plain `scp -t` or `scp -f` invocation.
    ///
    /// Returns `nil` for anything else, including command lines a shell would not run as
    /// exactly one `scp` process: a second command (`;`, `&&`, `|`, a newline),
    /// redirections, substitutions (`$`, backticks), brace expansion, unterminated quotes,
    /// unknown flags, both or neither of `-t` and `-f`, an upload without exactly one
    /// target, or a flag after an operand. The gateway then treats the channel as an
    /// ordinary exec command. Quotes and backslashes are removed as a POSIX shell would;
    /// the program may be named by a path ending in `/scp`.
    public init?(commandLine: String) {
        guard let words = SCPShellWords.split(commandLine), let program = words.first,
            program == "scp" || program.hasSuffix("/scp")
        else { return nil }

        var direction: Direction?
        var flags = (recursive: false, preserveTimes: false, directory: false, verbose: false)
        var paths: [String] = []
        var operandsOnly = false
        for word in words.dropFirst() {
            if operandsOnly || !word.hasPrefix("-") || word == "-" {
                paths.append(word)
                continue
            }
            guard paths.isEmpty else { return nil }
            if word == "--" {
                operandsOnly = true
                continue
            }
            for letter in word.dropFirst() {
                switch letter {
                case "t", "f":
                    let chosen: Direction = letter == "t" ? .upload : .download
                    guard direction == nil || direction == chosen else { return nil }
                    direction = chosen
                case "r": flags.recursive = true
                case "p": flags.preserveTimes = true
                case "d": flags.directory = true
                case "v": flags.verbose = true
                case "q": break
                default: return nil
                }
            }
        }
        guard let direction, !paths.isEmpty, direction == .download || paths.count == 1 else { return nil }
        self.init(
            direction: direction,
            paths: paths,
            recursive: flags.recursive,
            preserveTimes: flags.preserveTimes,
            targetMustBeDirectory: flags.directory,
            verbose: flags.verbose
        )
    }
}
