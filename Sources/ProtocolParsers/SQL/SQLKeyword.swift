/// The keywords the classifier looks at, interned so that comparing them is comparing
/// bytes. Case names are the keywords in lower case; ``none`` is any other word.
enum SQLKeyword: UInt8, CaseIterable {
    case none
    case `abort`, `access`, `aggregate`, `algorithm`, `all`, `alter`, `analyse`, `analyze`
    case `as`, `authorization`, `begin`, `binlog`, `cache`, `call`, `cascade`, `change`
    case `characteristics`, `check`, `checkpoint`, `checksum`, `class`, `close`, `cluster`, `column`
    case `comment`, `commit`, `concurrently`, `conflict`, `constraint`, `constraints`, `continue`, `conversion`
    case `copy`, `create`, `current`, `cursor`, `data`, `database`, `deallocate`, `declare`
    case `default`, `definer`, `delayed`, `delete`, `desc`, `describe`, `discard`, `distinct`
    case `do`, `domain`, `drop`, `dumpfile`, `duplicate`, `end`, `event`, `except`
    case `execute`, `exists`, `explain`, `expression`, `extended`, `false`, `family`, `fetch`
    case `flush`, `for`, `foreign`, `format`, `from`, `fulltext`, `function`, `get`
    case `global`, `grant`, `group`, `handler`, `having`, `help`, `high_priority`, `identity`
    case `if`, `ignore`, `import`, `in`, `index`, `infile`, `insert`, `install`
    case `instance`, `intersect`, `into`, `is`, `join`, `key`, `kill`, `language`
    case `large`, `lateral`, `level`, `limit`, `listen`, `load`, `local`, `lock`
    case `logfile`, `low_priority`, `mapping`, `materialized`, `merge`, `method`, `move`, `no`
    case `not`, `notify`, `nowait`, `object`, `off`, `offline`, `offset`, `on`
    case `online`, `only`, `operator`, `optimize`, `or`, `order`, `outfile`, `owned`
    case `owner`, `parameter`, `partition`, `partitions`, `password`, `persist`, `persist_only`, `policy`
    case `prepare`, `prepared`, `primary`, `privileges`, `procedural`, `procedure`, `program`, `proxy`
    case `purge`, `qualify`, `reassign`, `recursive`, `reference`, `refresh`, `reindex`, `release`
    case `rename`, `repair`, `replace`, `reset`, `resignal`, `resource`, `restart`, `restrict`
    case `returning`, `revoke`, `role`, `rollback`, `routine`, `row`, `rows`, `rule`
    case `savepoint`, `schema`, `search`, `security`, `select`, `sequence`, `session`, `set`
    case `share`, `show`, `shutdown`, `signal`, `spatial`, `sql`, `start`, `stop`
    case `straight_join`, `system`, `table`, `tables`, `tablespace`, `temp`, `temporary`, `text`
    case `to`, `transaction`, `trigger`, `truncate`, `trusted`, `type`, `uninstall`, `union`
    case `unique`, `unlisten`, `unlock`, `unlogged`, `update`, `upsert`, `use`, `user`
    case `using`, `vacuum`, `values`, `verbose`, `view`, `when`, `where`, `window`
    case `with`, `xa`, `xml`

    /// The keyword spelled by `bytes[range]` (ASCII, any case), or ``none``.
    @inline(__always)
    static func lookup(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> SQLKeyword {
        guard range.count <= 16 else { return .none }
        var lo: UInt64 = 0
        var hi: UInt64 = 0
        var shift: UInt64 = 0
        for index in range {
            var b = bytes[index]
            if b >= 0x80 { return .none }
            if b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z") { b -= 0x20 }
            if shift < 64 {
                lo |= UInt64(b) << shift
            } else {
                hi |= UInt64(b) << (shift - 64)
            }
            shift += 8
        }
        return lookupTable.find(lo, hi)
    }

    private static let lookupTable = Table()

    /// Open addressing over packed upper-case spellings; built once.
    private struct Table {
        static let bits = 10
        var los = [UInt64](repeating: 0, count: 1 << bits)
        var his = [UInt64](repeating: 0, count: 1 << bits)
        var keywords = [SQLKeyword](repeating: .none, count: 1 << bits)

        init() {
            for keyword in SQLKeyword.allCases where keyword != .none {
                var lo: UInt64 = 0
                var hi: UInt64 = 0
                for (i, b) in String(describing: keyword).uppercased().utf8.enumerated() {
                    if i < 8 { lo |= UInt64(b) << UInt64(i * 8) } else { hi |= UInt64(b) << UInt64((i - 8) * 8) }
                }
                var slot = Self.slot(lo, hi)
                while keywords[slot] != .none { slot = (slot + 1) & ((1 << Self.bits) - 1) }
                los[slot] = lo
                his[slot] = hi
                keywords[slot] = keyword
            }
        }

        @inline(__always)
        static func slot(_ lo: UInt64, _ hi: UInt64) -> Int {
            Int(truncatingIfNeeded: ((lo &* 0x9E37_79B9_7F4A_7C15) ^ (hi &* 0xC2B2_AE3D_27D4_EB4F)) >> UInt64(64 - bits))
        }

        @inline(__always)
        func find(_ lo: UInt64, _ hi: UInt64) -> SQLKeyword {
            var slot = Self.slot(lo, hi)
            while true {
                let keyword = keywords[slot]
                if keyword == .none { return .none }
                if los[slot] == lo && his[slot] == hi { return keyword }
                slot = (slot + 1) & ((1 << Self.bits) - 1)
            }
        }
    }
}
