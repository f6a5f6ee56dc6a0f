import NIOCore
import NIOSSH

/// Sends a child channel's end of file (`close(mode: .output)`) only when NIOSSH can.
///
/// NIOSSH 0.15.1 cannot send `CHANNEL_EOF` once the peer has sent its own: its channel state
/// machine throws "Sent EOF out of sequence" (`sendChannelEOF` in `.halfClosedRemote`), and
/// the channel then fails on the spot — it sends `CHANNEL_CLOSE` and drops everything still
/// to go, writes waiting for window and any request after it. On a session channel that is
/// the command's exit status whenever the server's end of file comes before it: `ssh` (whose
/// stdin ended first) then sees the channel close without one and exits 255, silently. A
/// second end of file fails the same way.
///
/// The first handler of each relayed channel: it notes the peer's end of file and the
/// gateway's own, and sends an end of file only when neither has happened. Otherwise the
/// end of output is ``AfterPeerEOF`` (with no `CHANNEL_EOF`), once the writes before it have
/// gone; the promise completes then.
final class SSHHalfCloseHandler: ChannelDuplexHandler {
    typealias InboundIn = Any
    typealias InboundOut = Any
    typealias OutboundIn = Any
    typealias OutboundOut = Any

    /// What ends the output when the peer has already sent its end of file.
    enum AfterPeerEOF {
        /// Nothing: the channel's close, which follows, ends it. For the client's session
        /// channel, where the exit status comes after the server's end of file and before
        /// its close.
        case awaitClose
        /// The channel closes: both directions are done. For the channel to the server (the
        /// command must see its input end) and port forwards.
        case close
    }

    private let afterPeerEOF: AfterPeerEOF
    private var peerSentEOF = false
    private var sentEOF = false
    /// Completes when the last write so far has gone to the connection.
    private var lastWrite: EventLoopFuture<Void>?

    init(afterPeerEOF: AfterPeerEOF) {
        self.afterPeerEOF = afterPeerEOF
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed { peerSentEOF = true }
        context.fireUserInboundEventTriggered(event)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let promise = promise ?? context.eventLoop.makePromise()
        lastWrite = promise.futureResult
        context.write(data, promise: promise)
    }

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        guard mode == .output else {
            context.close(mode: mode, promise: promise)
            return
        }
        if !peerSentEOF, !sentEOF {
            sentEOF = true
            context.close(mode: .output, promise: promise)
            return
        }
        let closeChannel = peerSentEOF && !sentEOF && afterPeerEOF == .close
        sentEOF = true
        let channel = context.channel
        let written = lastWrite ?? context.eventLoop.makeSucceededVoidFuture()
        written.whenComplete { _ in
            if closeChannel { channel.close(promise: nil) }
            promise?.succeed(())
        }
    }
}
