import GRDB

/// What one ``EventIndexer`` step derives from its events besides their `event_lookup` rows:
/// the posting list of every session, subject and connection it saw, the time range of
/// every block of events it touched, and each session's command count.
///
/// Filled one event at a time as the step inserts (or reads back) its `event_lookup` rows,
/// then written with a statement per posting list, block and session: one row per name
/// and block of the step, where an index would take four B-tree insertions per event.
struct LookupStep {
    /// The step covers the events after `base`; posting lists hold offsets from it.
    let base: Int64
    private var postings: [PostingKey: Posting] = [:]
    private var timeBlocks: [Int64: TimeRange] = [:]
    private var commandsBySession: [Int64: Int64] = [:]
    /// Whether an event of the step started or ended a session: their upkeep reads the
    /// event bodies, so steps without any skip it.
    private(set) var hasSessionBoundaries = false

    /// How an event's type matters to the step.
    enum Role {
        case command
        case sessionBoundary
        case other

        init<Bytes: Collection<UInt8>>(typeUTF8: Bytes) {
            if typeUTF8.elementsEqual(Self.commandType) {
                self = .command
            } else if typeUTF8.elementsEqual(Self.sessionStartType) || typeUTF8.elementsEqual(Self.sessionEndType) {
                self = .sessionBoundary
            } else {
                self = .other
            }
        }

        private static let commandType = Array(AuditEventType.command.rawValue.utf8)
        private static let sessionStartType = Array(AuditEventType.sessionStart.rawValue.utf8)
        private static let sessionEndType = Array(AuditEventType.sessionEnd.rawValue.utf8)
    }

    private struct PostingKey: Hashable {
        var kind: EventIndexer.PostingKind
        var nameID: Int64
    }

    /// A posting list being built: its JSON array text without the closing bracket.
    private struct Posting {
        var text: [UInt8] = [UInt8(ascii: "[")]
        var lastSeq: Int64 = 0

        /// Appends `offset` as the next element of the JSON array. (A `String` of a few
        /// digits is stored inline: no allocation.)
        mutating func append(offset: Int64, seq: Int64) {
            if text.count > 1 { text.append(UInt8(ascii: ",")) }
            text.append(contentsOf: String(offset).utf8)
            lastSeq = seq
        }
    }

    private struct TimeRange {
        var min: Int64
        var max: Int64
    }

    init(base: Int64) {
        self.base = base
    }

    /// Adds the event `seq` (after ``base``, in increasing order).
    mutating func add(seq: Int64, timeMicroseconds: Int64, session: Int64?, subject: Int64?, connection: Int64?, role: Role) {
        if let session { post(seq, .session, session) }
        if let subject { post(seq, .subject, subject) }
        if let connection { post(seq, .connection, connection) }
        let block = (seq - 1) / EventIndexer.timeBlock
        if var range = timeBlocks[block] {
            range.min = Swift.min(range.min, timeMicroseconds)
            range.max = Swift.max(range.max, timeMicroseconds)
            timeBlocks[block] = range
        } else {
            timeBlocks[block] = TimeRange(min: timeMicroseconds, max: timeMicroseconds)
        }
        switch role {
        case .command: if let session { commandsBySession[session, default: 0] += 1 }
        case .sessionBoundary: hasSessionBoundaries = true
        case .other: break
        }
    }

    private mutating func post(_ seq: Int64, _ kind: EventIndexer.PostingKind, _ nameID: Int64) {
        postings[PostingKey(kind: kind, nameID: nameID), default: Posting()].append(offset: seq - base, seq: seq)
    }

    /// Writes the posting lists and time blocks, and counts commands of sessions that have
    /// a `sessions` row (so the step's session starts must be inserted first).
    func write(_ db: Database) throws {
        let insertPosting = try db.cachedStatement(sql: """
            INSERT INTO main.lookup_postings(kind, name_ref, base_seq, last_seq, offsets) VALUES (?, ?, ?, ?, ?)
            """)
        for (key, posting) in postings {
            let text = String(decoding: posting.text + [UInt8(ascii: "]")], as: UTF8.self)
            try insertPosting.execute(arguments: [key.kind.rawValue, key.nameID, base, posting.lastSeq, text])
        }
        // A block can span steps: widen what an earlier step recorded.
        let widenBlock = try db.cachedStatement(sql: """
            INSERT INTO main.lookup_time(block, min_time_us, max_time_us) VALUES (?, ?, ?)
            ON CONFLICT(block) DO UPDATE SET min_time_us = min(min_time_us, excluded.min_time_us), max_time_us = max(max_time_us, excluded.max_time_us)
            """)
        for (block, range) in timeBlocks {
            try widenBlock.execute(arguments: [block, range.min, range.max])
        }
        let countCommands = try db.cachedStatement(sql: """
            UPDATE main.sessions SET command_count = command_count + ? WHERE id = (SELECT value FROM main.names WHERE id = ?)
            """)
        for (session, count) in commandsBySession {
            try countCommands.execute(arguments: [count, session])
        }
    }
}
