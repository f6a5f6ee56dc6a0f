import NIOCore

/// Follows both streams of a legacy `scp` exec channel (the rcp protocol, `scp -O`) and
/// reports the files and directories that cross it, without ever buffering file data.
///
/// The side that sends files (the *source*: the client for `scp -t`, an upload; the server
/// for `scp -f`, a download) writes control records, one line each: `T<mtime> 0 <atime> 0`
/// (with `-p`), `C<mode> <size> <name>` followed by `size` bytes of data and a status byte,
/// `D<mode> 0 <name>` to enter a directory, `E` to leave it, or `\1`/`\2` and a message for
/// a warning or a fatal error. The receiving side (the *sink*) answers every record, and
/// every file's data, with `\0` (fine), `\1<message>` (refused) or `\2<message>` (fatal).
///
/// The two sides take turns: the source sends nothing until the sink has answered. The
/// decoder insists on that lockstep, because it is what tells file data from records (a
/// refused `C` record is followed by the next record, not by data). A side that speaks out
/// of turn makes ``process(_:from:_:)`` throw ``SCPError/Code/outOfTurn``. Feed each side's
/// bytes in the order the gateway receives them, before forwarding them.
///
/// Lines are bounded (``maximumLineLength``, 4 KiB by default) and so is the directory
/// depth (``maximumDirectoryDepth``, 256); file data is skipped by count.
///
/// ```swift
/// var transfer = SCPTransferDecoder(direction: command.direction)
/// try transfer.process(chunk, from: .client) { event in audit(event) }
/// ...
/// for event in transfer.channelClosed() { audit(event) }
/// ```
public struct SCPTransferDecoder: Sendable {
    public static let defaultMaximumLineLength = 4096
    public static let defaultMaximumDirectoryDepth = 256

    /// Which way files move.
    public let direction: SCPCommand.Direction
    /// The longest control record or error message accepted, newline excluded.
    public let maximumLineLength: Int
    /// The most directories that may be open inside one another.
    public let maximumDirectoryDepth: Int

    private var state: State = .sinkAnswer(.start, message: nil)
    private var directories: [String] = []
    private var pendingTimes: (modification: UInt64, access: UInt64)?

    public init(
        direction: SCPCommand.Direction,
        maximumLineLength: Int = Self.defaultMaximumLineLength,
        maximumDirectoryDepth: Int = Self.defaultMaximumDirectoryDepth
    ) {
        self.direction = direction
        self.maximumLineLength = maximumLineLength
        self.maximumDirectoryDepth = maximumDirectoryDepth
    }

    /// The side that sends files.
    public var source: SCPPeer { self.direction == .upload ? .client : .server }
    /// The side that receives files.
    public var sink: SCPPeer { self.direction == .upload ? .server : .client }

    /// The directories entered so far, relative to the command's target.
    public var currentDirectory: String { self.directories.joined(separator: "/") }

    private enum State: Sendable {
        /// The source's turn: a control record or an error line.
        case sourceRecord(SCPLineBuffer)
        /// File data the sink accepted, skipped by count.
        case sourceData(SCPFile, remaining: UInt64)
        /// The status byte after the data: `\0`, or `\1`/`\2` and a message.
        case sourceDataStatus(SCPFile)
        case sourceDataError(SCPFile, isFatal: Bool, SCPLineBuffer)
        /// The sink's turn: one answer to `Awaiting`; `message` while reading a `\1`/`\2` line.
        case sinkAnswer(Awaiting, message: (isFatal: Bool, line: SCPLineBuffer)?)
        /// After a fatal error: the peers are exiting; further bytes are not interpreted.
        case ended
    }

    /// What the sink is answering.
    private enum Awaiting: Sendable {
        case start
        case times(modification: UInt64, access: UInt64)
        case file(SCPFile)
        case directory(name: String, mode: UInt32)
        case endDirectory
        case fileData(SCPFile, sourceError: String?)
    }

    // MARK: Input

    /// Reads `chunk`, which `peer` sent, and hands each event to `receive` in order.
    ///
    /// Events found before an error have been delivered when it is thrown. After an error
    /// the transfer cannot be followed any further: close the channel.
    public mutating func process(_ chunk: ByteBuffer, from peer: SCPPeer, _ receive: (SCPEvent) throws -> Void) throws {
        var chunk = chunk
        while chunk.readableBytes > 0 {
            if peer == self.source {
                try self.sourceStep(&chunk, receive)
            } else {
                try self.sinkStep(&chunk, receive)
            }
        }
    }

    /// Ends the transfer: reports a file whose data or answers were still under way as
    /// ``SCPEvent/Outcome/interrupted`` (with the bytes that passed), and ignores any
    /// later input. Call it when the channel closes.
    public mutating func channelClosed() -> [SCPEvent] {
        defer { self.state = .ended }
        switch self.state {
        case .sourceData(let file, let remaining):
            return [.fileFinished(file, bytes: file.size - remaining, outcome: .interrupted)]
        case .sourceDataStatus(let file), .sourceDataError(let file, _, _), .sinkAnswer(.fileData(let file, _), _):
            return [.fileFinished(file, bytes: file.size, outcome: .interrupted)]
        case .sinkAnswer(.file(let file), _):
            return [.fileFinished(file, bytes: 0, outcome: .interrupted)]
        default:
            return []
        }
    }

    // MARK: The source's bytes

    private mutating func sourceStep(_ chunk: inout ByteBuffer, _ receive: (SCPEvent) throws -> Void) throws {
        switch self.state {
        case .ended:
            chunk.moveReaderIndex(to: chunk.writerIndex)
        case .sinkAnswer:
            throw SCPError(
                code: .outOfTurn,
                peer: self.source,
                detail: "the \(self.source) sent \(chunk.readableBytes) bytes before the \(self.sink) answered its last record"
            )
        case .sourceRecord(var line):
            guard let bytes = try line.append(from: &chunk, limit: self.maximumLineLength, peer: self.source) else {
                self.state = .sourceRecord(line)
                return
            }
            try self.handle(try SCPRecord.parse(bytes, peer: self.source), receive)
        case .sourceData(let file, let remaining):
            let skipped = min(UInt64(chunk.readableBytes), remaining)
            chunk.moveReaderIndex(forwardBy: Int(skipped))
            self.state = skipped == remaining ? .sourceDataStatus(file) : .sourceData(file, remaining: remaining - skipped)
        case .sourceDataStatus(let file):
            let status = chunk.readInteger(as: UInt8.self)!
            switch status {
            case 0: self.state = .sinkAnswer(.fileData(file, sourceError: nil), message: nil)
            case 1, 2: self.state = .sourceDataError(file, isFatal: status == 2, SCPLineBuffer())
            default:
                throw SCPError(
                    code: .malformedRecord,
                    peer: self.source,
                    detail: "byte 0x\(String(status, radix: 16)) followed the \(file.size) bytes of data instead of \\0, \\1 or \\2"
                )
            }
        case .sourceDataError(let file, let isFatal, var line):
            guard let bytes = try line.append(from: &chunk, limit: self.maximumLineLength, peer: self.source) else {
                self.state = .sourceDataError(file, isFatal: isFatal, line)
                return
            }
            let message = String(decoding: bytes, as: UTF8.self)
            if isFatal {
                self.state = .ended
                try receive(.fileFinished(file, bytes: file.size, outcome: .failed(by: self.source, message: message)))
            } else {
                self.state = .sinkAnswer(.fileData(file, sourceError: message), message: nil)
            }
        }
    }

    private mutating func handle(_ record: SCPRecord, _ receive: (SCPEvent) throws -> Void) throws {
        switch record {
        case .file(let mode, let size, let name):
            let times = self.pendingTimes
            self.pendingTimes = nil
            let file = SCPFile(
                name: name,
                directory: self.currentDirectory,
                mode: mode,
                size: size,
                modificationTime: times?.modification,
                accessTime: times?.access
            )
            self.state = .sinkAnswer(.file(file), message: nil)
            try receive(.fileStarted(file))
        case .directory(let mode, let name):
            guard self.directories.count < self.maximumDirectoryDepth else {
                throw SCPError(
                    code: .directoryTooDeep,
                    peer: self.source,
                    detail: "a directory nested \(self.directories.count + 1) deep exceeds the limit of \(self.maximumDirectoryDepth)"
                )
            }
            self.pendingTimes = nil
            self.state = .sinkAnswer(.directory(name: name, mode: mode), message: nil)
        case .endDirectory:
            guard !self.directories.isEmpty else {
                throw SCPError(code: .unbalancedDirectoryEnd, peer: self.source, detail: "an E record arrived with no directory open")
            }
            let path = self.currentDirectory
            self.directories.removeLast()
            self.state = .sinkAnswer(.endDirectory, message: nil)
            try receive(.directoryLeft(path: path))
        case .times(let modification, let access):
            self.state = .sinkAnswer(.times(modification: modification, access: access), message: nil)
        case .error(let message, let isFatal):
            self.state = isFatal ? .ended : .sourceRecord(SCPLineBuffer())
            try receive(.errorReported(by: self.source, message: message, isFatal: isFatal))
        }
    }

    // MARK: The sink's bytes

    private mutating func sinkStep(_ chunk: inout ByteBuffer, _ receive: (SCPEvent) throws -> Void) throws {
        switch self.state {
        case .ended:
            chunk.moveReaderIndex(to: chunk.writerIndex)
        case .sinkAnswer(let awaiting, nil):
            let answer = chunk.readInteger(as: UInt8.self)!
            switch answer {
            case 0: try self.answered(awaiting, error: nil, receive)
            case 1, 2: self.state = .sinkAnswer(awaiting, message: (answer == 2, SCPLineBuffer()))
            default:
                throw SCPError(
                    code: .unexpectedResponse,
                    peer: self.sink,
                    detail: "the \(self.sink) answered with byte 0x\(String(answer, radix: 16)) instead of \\0, \\1 or \\2"
                )
            }
        case .sinkAnswer(let awaiting, .some((let isFatal, var line))):
            guard let bytes = try line.append(from: &chunk, limit: self.maximumLineLength, peer: self.sink) else {
                self.state = .sinkAnswer(awaiting, message: (isFatal, line))
                return
            }
            try self.answered(awaiting, error: (String(decoding: bytes, as: UTF8.self), isFatal), receive)
        case .sourceRecord, .sourceData, .sourceDataStatus, .sourceDataError:
            throw SCPError(
                code: .outOfTurn,
                peer: self.sink,
                detail: "the \(self.sink) sent \(chunk.readableBytes) bytes while the \(self.source) had the turn"
            )
        }
    }

    private mutating func answered(
        _ awaiting: Awaiting,
        error: (message: String, isFatal: Bool)?,
        _ receive: (SCPEvent) throws -> Void
    ) throws {
        self.state = error?.isFatal == true ? .ended : .sourceRecord(SCPLineBuffer())
        let sink = self.sink
        func reportError() throws {
            if let error { try receive(.errorReported(by: sink, message: error.message, isFatal: error.isFatal)) }
        }
        switch awaiting {
        case .start, .endDirectory:
            try reportError()
        case .times(let modification, let access):
            if error == nil { self.pendingTimes = (modification, access) }
            try reportError()
        case .file(let file):
            if let error {
                try receive(.fileFinished(file, bytes: 0, outcome: .failed(by: self.sink, message: error.message)))
            } else if file.size > 0 {
                self.state = .sourceData(file, remaining: file.size)
            } else {
                self.state = .sourceDataStatus(file)
            }
        case .directory(let name, let mode):
            guard error == nil else { return try reportError() }
            self.directories.append(name)
            try receive(.directoryEntered(path: self.currentDirectory, mode: mode))
        case .fileData(let file, let sourceError):
            let outcome: SCPEvent.Outcome =
                if let sourceError { .failed(by: self.source, message: sourceError) }
                else if let error { .failed(by: self.sink, message: error.message) }
                else { .succeeded }
            try receive(.fileFinished(file, bytes: file.size, outcome: outcome))
            // Both sides complained: the file carries the source's message, report the sink's.
            if sourceError != nil { try reportError() }
        }
    }
}
