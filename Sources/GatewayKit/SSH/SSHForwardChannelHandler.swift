import NIOCore
import NIOSSH

/// One end of a forwarded TCP connection (`direct-tcpip` or `forwarded-tcpip` channel):
/// hands what NIO delivers to its ``SSHForwardRelay``.
final class SSHForwardChannelHandler: ChannelInboundHandler {
    typealias InboundIn = SSHChannelData

    private let relay: SSHForwardRelay
    private let side: SSHForwardRelay.Side

    init(relay: SSHForwardRelay, side: SSHForwardRelay.Side) {
        self.relay = relay
        self.side = side
    }

    func channelActive(context: ChannelHandlerContext) {
        relay.active(side)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let data = unwrapInboundIn(data)
        // A TCP stream has no extended data; only the channel's own data is relayed.
        guard data.type == .channel, case .byteBuffer(let buffer) = data.data else { return }
        relay.read(buffer, from: side)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        relay.readComplete(from: side)
        context.fireChannelReadComplete()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed {
            relay.endOfFile(from: side)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        relay.writabilityChanged(side)
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
