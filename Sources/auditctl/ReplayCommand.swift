import ArgumentParser
import Foundation
import GatewayKit

struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Play a session's recording in the terminal.",
        discussion: """
        Plays terminal output at its recorded pace (scaled by --speed, pauses capped by
        --max-idle); database transcripts show each statement and result summary. The gateway
        checks every chunk against the hash chain first; an altered recording is refused (exit 1).
        --raw prints the asciicast v2 file itself, e.g. for `asciinema play`.
        """
    )
    @OptionGroup var server: ServerOptions
    @Argument(help: "The session id.")
    var session: String
    @Option(help: "Playback speed factor.")
    var speed: Double = 1
    @Option(help: "Longest pause between events, in seconds.")
    var maxIdle: Double = 2
    @Flag(help: "Print the asciicast v2 recording instead of playing it.")
    var raw = false

    func validate() throws {
        if speed <= 0 { throw ValidationError("--speed must be above 0") }
        if maxIdle < 0 { throw ValidationError("--max-idle must not be negative") }
    }

    func run() async throws {
        let client = try server.client()
        let data = try await Exit.reporting { try await client.getData("/v1/sessions/\(session)/recording") }
        if raw {
            FileHandle.standardOutput.write(data)
            return
        }
        var previous = 0.0
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n").dropFirst() {
            guard let array = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [Any], array.count == 3,
                  let time = (array[0] as? NSNumber)?.doubleValue, let code = array[1] as? String, let text = array[2] as? String
            else { continue }
            let pause = min(max(time - previous, 0), maxIdle) / speed
            previous = time
            if pause > 0 { try await Task.sleep(for: .seconds(pause)) }
            switch code {
            case "o": FileHandle.standardOutput.write(Data(text.utf8))
            case "m": FileHandle.standardOutput.write(Data("\n\u{1B}[2m── \(text)\u{1B}[0m\n".utf8))
            default: break
            }
        }
        print()
    }
}
