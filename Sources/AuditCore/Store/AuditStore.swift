/// Plug point for anything that durably stores audit events: ``SQLiteAuditStore`` now,
/// a PostgreSQL store for several gateway nodes later.
///
/// Implementations must be safe to call from many sessions at once and must keep each
/// node's chain gap-free: `seq` 1, 2, 3, ... with every event's hash covering its predecessor.
public protocol AuditStore: Sendable {
    /// Stores an event and returns only once it is durable (committed).
    ///
    /// Throws if the event could not be stored; callers then refuse the command (fail
    /// closed) rather than forward it unaudited.
    func append(_ event: AuditEvent) async throws -> AuditRecord

    /// Stores `events` together, in order and in one transaction, and returns their records
    /// once all are durable; if any cannot be stored, none is.
    func append(contentsOf events: [AuditEvent]) async throws -> [AuditRecord]

    /// Events matching `query`, at most ``AuditQuery/maxLimit``.
    func events(_ query: AuditQuery) async throws -> [AuditRecord]

    /// Sessions matching `query`, newest first.
    func sessions(_ query: SessionQuery) async throws -> [SessionRecord]

    /// One session, or `nil` if no `session.start` event was stored for `id`.
    func session(id: String) async throws -> SessionRecord?

    /// Recomputes the whole chain and every checkpoint; names the first bad event.
    func verify() async throws -> VerificationReport
}

extension AuditStore {
    /// Appends one event at a time. Stores that can commit several events at once (as
    /// ``SQLiteAuditStore`` does) should override this: it is not all-or-nothing.
    public func append(contentsOf events: [AuditEvent]) async throws -> [AuditRecord] {
        var records: [AuditRecord] = []
        records.reserveCapacity(events.count)
        for event in events { records.append(try await append(event)) }
        return records
    }

    /// Every stored event of `types`, oldest first, page by page: how state derived from
    /// the trail (access grants, revocations) is rebuilt at start-up.
    public func replay(types: [AuditEventType], _ apply: (AuditEvent) -> Void) async throws {
        var after: Int64 = 0
        while true {
            let page = try await events(AuditQuery(types: types, afterSeq: after, limit: AuditQuery.maxLimit))
            for record in page { apply(record.event) }
            guard let last = page.last, page.count == AuditQuery.maxLimit else { return }
            after = last.seq
        }
    }
}
