import NIOCore

// Internal read primitives shared by the SFTP payload decoders. Every length read from the
// wire is checked against the bytes left in the packet before anything is allocated; the
// packet itself is bounded by `SFTPPacketDecoder.maximumPacketLength`. Reads throw an
// `SFTPError` without a packet type; the packet-level dispatch fills it in.

extension ByteBuffer {
    mutating func sftpReadUInt32(_ what: StaticString) throws(SFTPError) -> UInt32 {
        guard let value = self.readInteger(endianness: .big, as: UInt32.self) else {
            throw .truncated(what, needed: 4, available: self.readableBytes)
        }
        return value
    }

    mutating func sftpReadUInt64(_ what: StaticString) throws(SFTPError) -> UInt64 {
        guard let value = self.readInteger(endianness: .big, as: UInt64.self) else {
            throw .truncated(what, needed: 8, available: self.readableBytes)
        }
        return value
    }

    /// Reads a `string`'s uint32 length and checks that its bytes are all in the packet.
    mutating func sftpReadStringLength(_ what: StaticString) throws(SFTPError) -> Int {
        let length = Int(try self.sftpReadUInt32(what))
        guard length <= self.readableBytes else {
            throw .truncated(what, needed: length, available: self.readableBytes)
        }
        return length
    }

    /// Reads a `string` as text. SFTP v3 does not promise UTF-8; invalid sequences become
    /// U+FFFD.
    mutating func sftpReadString(_ what: StaticString) throws(SFTPError) -> String {
        let length = try self.sftpReadStringLength(what)
        return self.readString(length: length)!
    }

    /// Reads a `string` as bytes.
    mutating func sftpReadBytes(_ what: StaticString) throws(SFTPError) -> [UInt8] {
        let length = try self.sftpReadStringLength(what)
        return self.readBytes(length: length)!
    }

    /// Skips a `string` (file data), returning its length.
    mutating func sftpSkipString(_ what: StaticString) throws(SFTPError) -> Int {
        let length = try self.sftpReadStringLength(what)
        self.moveReaderIndex(forwardBy: length)
        return length
    }

    mutating func sftpReadHandle() throws(SFTPError) -> SFTPHandle {
        let length = try self.sftpReadStringLength("handle")
        guard length <= SFTPHandle.maximumLength else {
            throw .invalidValue("handle of \(length) bytes exceeds the protocol's limit of \(SFTPHandle.maximumLength)")
        }
        return SFTPHandle(bytes: self.readBytes(length: length)!)
    }

    /// Reads `(string name, string data)` pairs up to the end of the packet (INIT, VERSION).
    mutating func sftpReadExtensionPairs() throws(SFTPError) -> [SFTPExtensionPair] {
        var pairs: [SFTPExtensionPair] = []
        while self.readableBytes > 0 {
            let name = try self.sftpReadString("extension name")
            let data = try self.sftpReadString("extension data")
            pairs.append(SFTPExtensionPair(name: name, data: data))
        }
        return pairs
    }

    /// Checks that `count` elements of at least `minimumSize` bytes each can fit in what is
    /// left, so a hostile count never makes the decoder reserve memory for absent elements.
    func sftpCheckCount(_ count: UInt32, minimumSize: Int, _ what: StaticString) throws(SFTPError) {
        let needed = Int(count) &* minimumSize
        guard needed <= self.readableBytes else {
            throw .invalidValue("\(what) count \(count) cannot fit in the \(self.readableBytes) bytes left in the packet")
        }
    }

    func sftpExpectFullyConsumed() throws(SFTPError) {
        if self.readableBytes != 0 {
            throw SFTPError(code: .trailingBytes, detail: "\(self.readableBytes) unexpected bytes after the last field of the packet")
        }
    }
}

extension SFTPPacketType {
    /// Runs `decodeFields` on a packet's body, insists the body was consumed exactly, and
    /// names this type in any error.
    func decodeBody<Message>(
        _ body: inout ByteBuffer,
        _ decodeFields: (inout ByteBuffer) throws(SFTPError) -> Message
    ) throws(SFTPError) -> Message {
        do throws(SFTPError) {
            let message = try decodeFields(&body)
            try body.sftpExpectFullyConsumed()
            return message
        } catch {
            throw error.with(packetType: self)
        }
    }
}
