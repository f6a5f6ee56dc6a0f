/// Wire codecs and command parsers for the protocols AuditGateway relays: pure value code
/// over `ByteBuffer`, no I/O. The PostgreSQL codecs are the first to land here.
public enum ProtocolParsers {}
