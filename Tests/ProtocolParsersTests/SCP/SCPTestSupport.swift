import NIOCore
import Testing

@testable import ProtocolParsers

// Byte-building helpers for rcp-protocol test vectors, spelled out from the protocol's
// description; they never call the decoder under test.

/// One control line with its newline.
func line(_ text: String) -> [UInt8] { Array(text.utf8) + [0x0A] }

/// The `\0` a side sends for "fine".
let okByte: [UInt8] = [0]

/// `\1message\n` (a warning or refusal).
func warning(_ message: String) -> [UInt8] { [1] + line(message) }

/// `\2message\n` (fatal).
func fatal(_ message: String) -> [UInt8] { [2] + line(message) }

/// One side's turn in a conversation.
struct Turn: Sendable {
    var peer: SCPPeer
    var bytes: [UInt8]
}

/// Feeds `turns` to a fresh decoder, cutting each turn's bytes into pieces of `chunkSize`
/// (or, when `cut` names a turn and an offset, at that one position), then closes the
/// channel. Returns every event.
func runTransfer(
    _ direction: SCPCommand.Direction,
    _ turns: [Turn],
    chunkSize: Int = .max,
    cut: (turn: Int, at: Int)? = nil,
    decoder: SCPTransferDecoder? = nil
) throws -> [SCPEvent] {
    var transfer = decoder ?? SCPTransferDecoder(direction: direction)
    var events: [SCPEvent] = []
    for (index, turn) in turns.enumerated() {
        var pieces: [ArraySlice<UInt8>]
        if let cut, cut.turn == index {
            pieces = [turn.bytes[..<cut.at], turn.bytes[cut.at...]]
        } else {
            pieces = stride(from: 0, to: turn.bytes.count, by: min(chunkSize, max(turn.bytes.count, 1))).map {
                turn.bytes[$0..<min($0 + chunkSize, turn.bytes.count)]
            }
        }
        for piece in pieces {
            try transfer.process(ByteBuffer(bytes: piece), from: turn.peer) { events.append($0) }
        }
    }
    events += transfer.channelClosed()
    return events
}

/// Checks that `turns` yield `expected` whole, in chunks of several sizes, and cut at every
/// position of every turn.
func expectTransfer(
    _ direction: SCPCommand.Direction,
    _ turns: [Turn],
    yields expected: [SCPEvent],
    sourceLocation: SourceLocation = #_sourceLocation
) throws {
    for size in [Int.max, 1, 2, 3, 7] {
        let events = try runTransfer(direction, turns, chunkSize: size)
        #expect(events == expected, "chunks of \(size)", sourceLocation: sourceLocation)
    }
    for (index, turn) in turns.enumerated() {
        for at in 0...turn.bytes.count {
            let events = try runTransfer(direction, turns, cut: (index, at))
            #expect(events == expected, "turn \(index) cut at \(at)", sourceLocation: sourceLocation)
        }
    }
}

/// Expects the conversation to be refused with `code`; returns the error.
@discardableResult
func expectSCPError(
    _ code: SCPError.Code,
    _ turns: [Turn],
    direction: SCPCommand.Direction = .upload,
    decoder: SCPTransferDecoder? = nil,
    sourceLocation: SourceLocation = #_sourceLocation
) -> SCPError? {
    do {
        let events = try runTransfer(direction, turns, decoder: decoder)
        Issue.record("expected \(code), got \(events.count) events", sourceLocation: sourceLocation)
        return nil
    } catch let error as SCPError {
        #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
        return error
    } catch {
        Issue.record("expected SCPError \(code), got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}
