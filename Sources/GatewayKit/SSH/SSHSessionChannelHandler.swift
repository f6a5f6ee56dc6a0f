import AuditCore
import NIOCore
import NIOSSH

/// The client's end of a session channel: turns what NIO delivers into ``SSHChannelRelay``
/// inputs. Requests the gateway does not relay (X11 forwarding, agent forwarding) never get
/// here: NIOSSH refuses requests it does not know.
final class SSHSessionChannelHandler: ChannelInboundHandler {
    typealias InboundIn = SSHChannelData

    private let relay: SSHChannelRelay

    init(relay: SSHChannelRelay) {
        self.relay = relay
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let data = unwrapInboundIn(data)
        // Extended data from a client has no meaning in a session; only stdin is relayed.
        guard data.type == .channel, case .byteBuffer(let buffer) = data.data else { return }
        relay.fromClient(.data(buffer))
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case let request as SSHChannelRequestEvent.PseudoTerminalRequest: relay.fromClient(.pty(request))
        case let request as SSHChannelRequestEvent.EnvironmentRequest: relay.fromClient(.env(request))
        case let request as SSHChannelRequestEvent.ShellRequest: relay.fromClient(.shell(request))
        case let request as SSHChannelRequestEvent.ExecRequest: relay.fromClient(.exec(request))
        case let request as SSHChannelRequestEvent.SubsystemRequest: relay.fromClient(.subsystem(request))
        case let request as SSHChannelRequestEvent.WindowChangeRequest: relay.fromClient(.windowChange(request))
        case let request as SSHChannelRequestEvent.SignalRequest: relay.fromClient(.signal(request))
        case let event as ChannelEvent where event == .inputClosed: relay.fromClient(.eof)
        default: context.fireUserInboundEventTriggered(event)
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        relay.writabilityChanged(ofClient: true)
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        relay.clientGone()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}

/// The gateway's end of the matching upstream session channel.
final class SSHUpstreamChannelHandler: ChannelInboundHandler {
    typealias InboundIn = SSHChannelData

    private let relay: SSHChannelRelay

    init(relay: SSHChannelRelay) {
        self.relay = relay
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        relay.fromUpstream(unwrapInboundIn(data))
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case is ChannelSuccessEvent: relay.upstreamReplied(true)
        case is ChannelFailureEvent: relay.upstreamReplied(false)
        case let status as SSHChannelRequestEvent.ExitStatus:
            relay.upstreamExited(status, outcome: [AuditField.outcome: status.exitStatus == 0 ? "ok" : "error", "exit_status": .int(Int64(status.exitStatus))])
        case let signal as SSHChannelRequestEvent.ExitSignal:
            relay.upstreamExited(signal, outcome: [AuditField.outcome: "signal", "exit_signal": .string(signal.signalName), "core_dumped": .bool(signal.dumpedCore)])
        case let request as SSHChannelRequestEvent.LocalFlowControlRequest:
            relay.upstreamRequest(request)
        case let event as ChannelEvent where event == .inputClosed:
            relay.upstreamEOF()
        default:
            context.fireUserInboundEventTriggered(event)
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        relay.writabilityChanged(ofClient: false)
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        relay.upstreamClosed()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
