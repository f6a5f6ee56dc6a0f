import NIOCore
import Testing

@testable import ProtocolParsers

/// A client packet built by hand and the request it must decode to.
struct SFTPRequestVector: Sendable, CustomTestStringConvertible {
    var name: String
    var bytes: [UInt8]
    var request: SFTPRequest
    var testDescription: String { self.name }
}

let sftpRequestVectors: [SFTPRequestVector] = [
    .init(
        name: "INIT 3 without extensions",
        bytes: packet(1, be32(3)),
        request: .initialize(version: 3, extensions: [])
    ),
    .init(
        name: "INIT with an extension",
        bytes: packet(1, be32(3) + str("x@example.com") + str("1")),
        request: .initialize(version: 3, extensions: [SFTPExtensionPair(name: "x@example.com", data: "1")])
    ),
    .init(
        name: "OPEN for writing, create, truncate, mode 0644",
        bytes: packet(3, be32(5) + str("/tmp/up.txt") + be32(0x1A) + be32(0x04) + be32(0o644)),
        request: .open(id: 5, path: "/tmp/up.txt", flags: [.write, .create, .truncate], attributes: SFTPAttributes(permissions: 0o644))
    ),
    .init(
        name: "OPEN for reading, append and exclusive bits",
        bytes: packet(3, be32(6) + str("a") + be32(0x25) + noAttrs),
        request: .open(id: 6, path: "a", flags: [.read, .append, .exclusive], attributes: SFTPAttributes())
    ),
    .init(
        name: "CLOSE",
        bytes: packet(4, be32(9) + str(bytes: handleBytes)),
        request: .close(id: 9, handle: handle7)
    ),
    .init(
        name: "READ 32768 at 65536",
        bytes: packet(5, be32(10) + str(bytes: handleBytes) + be64(65536) + be32(32768)),
        request: .read(id: 10, handle: handle7, offset: 65536, length: 32768)
    ),
    .init(
        name: "WRITE 5 bytes at 0 (data not kept)",
        bytes: packet(6, be32(11) + str(bytes: handleBytes) + be64(0) + str("hello")),
        request: .write(id: 11, handle: handle7, offset: 0, dataLength: 5)
    ),
    .init(name: "LSTAT", bytes: packet(7, be32(12) + str("/l")), request: .lstat(id: 12, path: "/l")),
    .init(name: "FSTAT", bytes: packet(8, be32(13) + str(bytes: handleBytes)), request: .fstat(id: 13, handle: handle7)),
    .init(
        name: "SETSTAT with every v3 attribute",
        bytes: packet(
            9,
            be32(14) + str("/f") + be32(0x8000_000F) + be64(1024) + be32(1000) + be32(100) + be32(0o600)
                + be32(1_700_000_000) + be32(1_700_000_001) + be32(1) + str("user.tag") + str("v")
        ),
        request: .setstat(
            id: 14,
            path: "/f",
            attributes: SFTPAttributes(
                size: 1024,
                userID: 1000,
                groupID: 100,
                permissions: 0o600,
                accessTime: 1_700_000_000,
                modificationTime: 1_700_000_001,
                extended: [SFTPExtensionPair(name: "user.tag", data: "v")]
            )
        )
    ),
    .init(
        name: "FSETSTAT size only",
        bytes: packet(10, be32(15) + str(bytes: handleBytes) + be32(1) + be64(0)),
        request: .fsetstat(id: 15, handle: handle7, attributes: SFTPAttributes(size: 0))
    ),
    .init(name: "OPENDIR", bytes: packet(11, be32(16) + str("/d")), request: .opendir(id: 16, path: "/d")),
    .init(name: "READDIR", bytes: packet(12, be32(17) + str(bytes: handleBytes)), request: .readdir(id: 17, handle: handle7)),
    .init(name: "REMOVE", bytes: packet(13, be32(18) + str("/gone")), request: .remove(id: 18, path: "/gone")),
    .init(
        name: "MKDIR 0755",
        bytes: packet(14, be32(19) + str("/new") + be32(4) + be32(0o755)),
        request: .mkdir(id: 19, path: "/new", attributes: SFTPAttributes(permissions: 0o755))
    ),
    .init(name: "RMDIR", bytes: packet(15, be32(20) + str("/old")), request: .rmdir(id: 20, path: "/old")),
    .init(name: "REALPATH .", bytes: packet(16, be32(21) + str(".")), request: .realpath(id: 21, path: ".")),
    .init(name: "STAT", bytes: packet(17, be32(22) + str("/s")), request: .stat(id: 22, path: "/s")),
    .init(name: "RENAME", bytes: packet(18, be32(23) + str("/a") + str("/b")), request: .rename(id: 23, from: "/a", to: "/b")),
    .init(name: "READLINK", bytes: packet(19, be32(24) + str("/ln")), request: .readlink(id: 24, path: "/ln")),
    .init(
        name: "SYMLINK in OpenSSH order (target, then link)",
        bytes: packet(20, be32(25) + str("/target") + str("/link")),
        request: .symlink(id: 25, linkPath: "/link", targetPath: "/target")
    ),
    .init(
        name: "EXTENDED posix-rename@openssh.com",
        bytes: packet(200, be32(26) + str("posix-rename@openssh.com") + str("/x") + str("/y")),
        request: .extended(id: 26, .posixRename(from: "/x", to: "/y"))
    ),
    .init(
        name: "EXTENDED hardlink@openssh.com",
        bytes: packet(200, be32(27) + str("hardlink@openssh.com") + str("/x") + str("/h")),
        request: .extended(id: 27, .hardlink(from: "/x", to: "/h"))
    ),
    .init(
        name: "EXTENDED lsetstat@openssh.com",
        bytes: packet(200, be32(28) + str("lsetstat@openssh.com") + str("/ln") + be32(4) + be32(0o700)),
        request: .extended(id: 28, .lsetstat(path: "/ln", attributes: SFTPAttributes(permissions: 0o700)))
    ),
    .init(
        name: "EXTENDED statvfs@openssh.com (kept as name and data size)",
        bytes: packet(200, be32(29) + str("statvfs@openssh.com") + str("/")),
        request: .extended(id: 29, .other(name: "statvfs@openssh.com", dataLength: 5))
    ),
    .init(
        name: "unknown type 21 (v6 LINK) with an id",
        bytes: packet(21, be32(30) + str("/a") + str("/b") + [1]),
        request: .unknown(type: SFTPPacketType(rawValue: 21), id: 30)
    ),
    .init(name: "unknown type 0 without an id", bytes: packet(0, [1, 2]), request: .unknown(type: SFTPPacketType(rawValue: 0), id: nil)),
]

@Suite("SFTP request decoding")
struct SFTPRequestDecoderTests {
    @Test(arguments: sftpRequestVectors)
    func decodesAtEverySplit(_ vector: SFTPRequestVector) throws {
        try expectDecodes(SFTPRequestDecoder(), vector.bytes, as: [vector.request])
    }

    @Test func decodesASessionOfSeveralPacketsSplitAnywhere() throws {
        let vectors = sftpRequestVectors.prefix(8)
        try expectDecodes(SFTPRequestDecoder(), vectors.flatMap(\.bytes), as: vectors.map(\.request))
    }

    @Test func writeDataIsNotKeptButTheRawPacketIsHandedOut() throws {
        let data = [UInt8](repeating: 0xAB, count: 40_000)
        let bytes = packet(6, be32(1) + str(bytes: handleBytes) + be64(8) + str(bytes: data))
        let decoded = try processAll(SFTPRequestDecoder(), bytes, cuts: [3, 9, 20_000])
        #expect(decoded.map(\.0) == [.write(id: 1, handle: handle7, offset: 8, dataLength: 40_000)])
        #expect(decoded.first?.1 == bytes)
    }

    @Test func aPacketOfExactlyTheLimitIsAccepted() throws {
        let limit = SFTPRequestDecoder.defaultMaximumPacketLength
        // length = type (1) + id (4) + handle (8) + offset (8) + data length (4) + data
        let data = [UInt8](repeating: 1, count: limit - 25)
        let bytes = packet(6, be32(2) + str(bytes: handleBytes) + be64(0) + str(bytes: data))
        #expect(bytes.count == limit + 4)
        let decoded = try processAll(SFTPRequestDecoder(), bytes)
        #expect(decoded.map(\.0) == [.write(id: 2, handle: handle7, offset: 0, dataLength: UInt32(limit - 25))])
    }

    @Test func requestAccessors() {
        #expect(SFTPRequest.initialize(version: 3, extensions: []).id == nil)
        #expect(SFTPRequest.remove(id: 4, path: "x").id == 4)
        #expect(SFTPRequest.extended(id: 5, .other(name: "n", dataLength: 0)).packetType == .extended)
        #expect(SFTPRequest.unknown(type: SFTPPacketType(rawValue: 99), id: 7).id == 7)
        #expect(SFTPPacketType.open.description == "SSH_FXP_OPEN (3)")
        #expect(SFTPPacketType(rawValue: 99).description == "type 99")
        #expect(SFTPOpenFlags([.write, .create, .truncate]).description == "write|create|truncate")
        #expect(SFTPOpenFlags(rawValue: 0x41).description == "read|0x40")
        #expect(SFTPOpenFlags.read.modifiesFile == false)
        #expect(SFTPOpenFlags([.read, .append]).modifiesFile)
    }
}
