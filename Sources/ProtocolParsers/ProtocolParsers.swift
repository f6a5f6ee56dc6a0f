/// Wire codecs and command parsers for the protocols AuditGateway relays: pure value code
/// over `ByteBuffer`, no I/O. PostgreSQL codecs and SQL analysis, SFTP (version 3) packet
/// decoding with an operation tracker, and the legacy `scp` (rcp) transfer protocol.
public enum ProtocolParsers {}
