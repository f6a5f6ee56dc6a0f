import NIOCore

extension PostgresFrontendMessage {
    /// `Execute` (`E`): runs a portal, returning at most `maxRows` rows (0: no limit).
    public struct Execute: Hashable, Sendable {
        /// The portal; empty for the unnamed portal.
        public var portalName: String
        public var maxRows: Int32

        public init(portalName: String = "", maxRows: Int32 = 0) {
            self.portalName = portalName
            self.maxRows = maxRows
        }

        public static func decode(from buffer: inout ByteBuffer) throws(PostgresWireError) -> Self {
            let portal = try buffer.pgReadCString("portal name")
            let maxRows = try buffer.pgReadInt32("maximum row count")
            return Execute(portalName: portal, maxRows: maxRows)
        }

        func writePayload(into buffer: inout ByteBuffer) {
            buffer.pgWriteCString(self.portalName)
            buffer.writeInteger(self.maxRows, endianness: .big)
        }
    }
}
