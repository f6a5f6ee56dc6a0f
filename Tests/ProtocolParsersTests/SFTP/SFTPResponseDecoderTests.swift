import NIOCore
import Testing

@testable import ProtocolParsers

/// A server packet built by hand and the reply it must decode to.
struct SFTPResponseVector: Sendable, CustomTestStringConvertible {
    var name: String
    var bytes: [UInt8]
    var response: SFTPResponse
    var testDescription: String { self.name }
}

let sftpResponseVectors: [SFTPResponseVector] = [
    .init(
        name: "VERSION 3 with OpenSSH-style extensions",
        bytes: packet(2, be32(3) + str("posix-rename@openssh.com") + str("1") + str("hardlink@openssh.com") + str("1")),
        response: .version(
            version: 3,
            extensions: [
                SFTPExtensionPair(name: "posix-rename@openssh.com", data: "1"),
                SFTPExtensionPair(name: "hardlink@openssh.com", data: "1"),
            ]
        )
    ),
    .init(
        name: "STATUS OK with message and language",
        bytes: packet(101, be32(5) + be32(0) + str("Success") + str("")),
        response: .status(id: 5, SFTPStatus(code: .ok, message: "Success"))
    ),
    .init(
        name: "STATUS permission denied, language en",
        bytes: packet(101, be32(6) + be32(3) + str("Permission denied") + str("en")),
        response: .status(id: 6, SFTPStatus(code: .permissionDenied, message: "Permission denied", languageTag: "en"))
    ),
    .init(
        name: "STATUS without message (old servers)",
        bytes: packet(101, be32(7) + be32(1)),
        response: .status(id: 7, SFTPStatus(code: .eof))
    ),
    .init(name: "HANDLE", bytes: packet(102, be32(8) + str(bytes: handleBytes)), response: .handle(id: 8, handle7)),
    .init(name: "DATA of 6 bytes (not kept)", bytes: packet(103, be32(9) + str("secret")), response: .data(id: 9, dataLength: 6)),
    .init(
        name: "NAME with two entries",
        bytes: packet(
            104,
            be32(10) + be32(2)
                + str("a.txt") + str("-rw-r--r--    1 u g 3 Jan  1 00:00 a.txt") + be32(5) + be64(3) + be32(0o100644)
                + str("b") + str("") + be32(0)
        ),
        response: .name(
            id: 10,
            [
                SFTPName(filename: "a.txt", longname: "-rw-r--r--    1 u g 3 Jan  1 00:00 a.txt", attributes: SFTPAttributes(size: 3, permissions: 0o100644)),
                SFTPName(filename: "b", longname: "", attributes: SFTPAttributes()),
            ]
        )
    ),
    .init(name: "NAME with no entries", bytes: packet(104, be32(11) + be32(0)), response: .name(id: 11, [])),
    .init(
        name: "ATTRS with times and owner",
        bytes: packet(105, be32(12) + be32(0x0A) + be32(0) + be32(0) + be32(1) + be32(2)),
        response: .attributes(id: 12, SFTPAttributes(userID: 0, groupID: 0, accessTime: 1, modificationTime: 2))
    ),
    .init(
        name: "EXTENDED_REPLY with 16 bytes of data",
        bytes: packet(201, be32(13) + [UInt8](repeating: 9, count: 16)),
        response: .extendedReply(id: 13, dataLength: 16)
    ),
    .init(name: "unknown type 150", bytes: packet(150, be32(14)), response: .unknown(type: SFTPPacketType(rawValue: 150), id: 14)),
]

@Suite("SFTP response decoding")
struct SFTPResponseDecoderTests {
    @Test(arguments: sftpResponseVectors)
    func decodesAtEverySplit(_ vector: SFTPResponseVector) throws {
        try expectDecodes(SFTPResponseDecoder(), vector.bytes, as: [vector.response])
    }

    @Test func decodesAllRepliesInOneStreamSplitAnywhere() throws {
        try expectDecodes(SFTPResponseDecoder(), sftpResponseVectors.flatMap(\.bytes), as: sftpResponseVectors.map(\.response))
    }

    @Test func statusPacketForARefusedRequestMatchesTheSpec() throws {
        var out = ByteBuffer()
        SFTPStatus(code: .permissionDenied, message: "denied by policy").encodePacket(answering: 42, into: &out)
        let expected = packet(101, be32(42) + be32(3) + str("denied by policy") + str(""))
        #expect(Array(out.readableBytesView) == expected)
        try expectDecodes(SFTPResponseDecoder(), expected, as: [.status(id: 42, SFTPStatus(code: .permissionDenied, message: "denied by policy"))])
    }

    @Test func descriptionsForAudit() {
        #expect(SFTPStatus(code: .noSuchFile, message: "No such file").description == "SSH_FX_NO_SUCH_FILE: No such file")
        #expect(SFTPStatusCode(rawValue: 99).description == "status 99")
        #expect(SFTPAttributes(size: 0, userID: 1, groupID: 2, permissions: 0o644).description == "size=0 uid=1 gid=2 mode=0644")
        #expect(SFTPAttributes().description == "none")
        #expect(SFTPHandle(bytes: [0, 0x1F, 0xA0]).description == "001fa0")
    }
}
