import Foundation
import PolicyEngine
import Testing

@Suite("Policy loading: every problem with file, line and field")
struct PolicyLoaderTests {
    typealias T = PolicyTestSupport

    /// A file with one rule whose body is `body` (indented under `- name: r`), from line 3.
    static func rule(_ body: String) -> String {
        "version: 1\nrules:\n  - name: r\n" + body.split(separator: "\n", omittingEmptySubsequences: false).map { "    " + $0 }.joined(separator: "\n") + "\n"
    }

    @Test func aValidFileLoads() {
        #expect(T.messages(PolicyEvaluatorPrecedenceTests.contractors) == [])
    }

    @Test func syntaxErrorsNameTheLine() {
        #expect(T.messages("version: 1\nrules:\n  - name: [unclosed\n") == ["a.yaml:4: (syntax): YAML syntax error: did not find expected ',' or ']'"])
        #expect(T.messages("version: 1\nversion: 1\n") == ["a.yaml:1: (syntax): key 'version' appears more than once in one mapping"])
    }

    @Test func theFileMustBeAVersionedMapping() {
        #expect(T.messages("") == ["a.yaml: (file): the file is empty; a policy file starts with 'version: 1'"])
        #expect(T.messages("- a\n- b\n") == ["a.yaml:1: (top level): must be a mapping of keys to values (version, rules, masking_profiles)"])
        #expect(T.messages("rules: []\n") == ["a.yaml:1: version: is required"])
        #expect(T.messages("version: 2\n") == ["a.yaml:1: version: must be 1 (the only policy format so far), not '2'"])
        #expect(T.messages("version: 1\nrule: []\n") == ["a.yaml:2: rule: unknown key (did you mean 'rules'?)"])
        #expect(T.messages("version: 1\nrules: {}\n") == ["a.yaml:2: rules: must be a list"])
    }

    @Test func ruleShape() {
        #expect(T.messages("version: 1\nrules:\n  - just-a-name\n") == [
            "a.yaml:3: rules[0]: must be a mapping of keys to values (name, effect, reason, description, match, approvers, approvals, masking_profile, session)",
        ])
        #expect(T.messages("version: 1\nrules:\n  - effect: allow\n") == ["a.yaml:3: rules[0].name: is required"])
        #expect(T.messages("version: 1\nrules:\n  - name: r\n") == ["a.yaml:3: rules[0].effect: is required"])
        #expect(T.messages(Self.rule("effect: allow\nefect: deny")) == ["a.yaml:5: rules[0].efect: unknown key (did you mean 'effect'?)"])
        #expect(T.messages(Self.rule("effect: alow")) == [
            "a.yaml:4: rules[0].effect: must be one of allow, deny, require_approval, not 'alow' (did you mean 'allow'?)",
        ])
        #expect(T.messages(Self.rule("effect: allow\nmatch: { conections: [x] }")) == [
            "a.yaml:5: rules[0].match.conections: unknown key (did you mean 'connections'?)",
        ])
        #expect(T.messages(Self.rule("effect: allow\nmatch: [x]")) == [
            "a.yaml:5: rules[0].match: must be a mapping of keys to values (connections, protocols, subjects, groups, actors, min_depth, max_depth, classes, objects, checks, time, grant)",
        ])
    }

    @Test func ruleNames() {
        #expect(T.messages("version: 1\nrules:\n  - { name: \"no spaces\", effect: allow }\n") == [
            "a.yaml:3: rules[0].name: a rule name is 1-128 letters, digits, '-', '_' or '.', not 'no spaces'",
        ])
        #expect(T.messages("version: 1\nrules:\n  - { name: default-deny, effect: deny }\n") == [
            "a.yaml:3: rules[0].name: 'default-deny' is reserved for the decision no rule makes; choose another name",
        ])
    }

    @Test func duplicateRuleNamesAcrossFilesNameBothPlaces() {
        let a = "version: 1\nrules:\n  - { name: r, effect: allow }\n"
        let b = "version: 1\nrules:\n  - { name: s, effect: allow }\n  - { name: r, effect: deny }\n"
        #expect(T.messages(a, b) == [
            "b.yaml:4: rules[1].name: rule name 'r' is already used at a.yaml:3; rule names must be unique across all files",
        ])
    }

    @Test func unknownWordsAreRefused() {
        #expect(T.messages(Self.rule("effect: allow\nmatch: { classes: [read, wirte] }")) == [
            "a.yaml:5: rules[0].match.classes[1]: must be one of \(PolicyVocabulary.commandClasses.joined(separator: ", ")), not 'wirte' (did you mean 'write'?)",
        ])
        #expect(T.messages(Self.rule("effect: deny\nmatch: { checks: [delete_without_were] }")) == [
            "a.yaml:5: rules[0].match.checks[0]: must be one of \(PolicyVocabulary.checkNames.joined(separator: ", ")), not 'delete_without_were' (did you mean 'delete_without_where'?)",
        ])
        #expect(T.messages(Self.rule("effect: allow\nmatch: { protocols: [postgresql] }")) == [
            "a.yaml:5: rules[0].match.protocols[0]: must be one of postgres, mysql, ssh, http, kubernetes, not 'postgresql' (did you mean 'postgres'?)",
        ])
        #expect(T.messages(Self.rule("effect: allow\nmatch:\n  time: { days: [mon, thurs] }")) == [
            "a.yaml:6: rules[0].match.time.days[1]: must be one of sun, mon, tue, wed, thu, fri, sat, not 'thurs' (did you mean 'thu'?)",
        ])
        #expect(T.messages(Self.rule("effect: allow\nmatch: { grant: needed }")) == [
            "a.yaml:5: rules[0].match.grant: must be one of required, absent, not 'needed'",
        ])
    }

    @Test func badGlobs() {
        #expect(T.messages(Self.rule("effect: allow\nmatch:\n  connections:\n    - ok\n    - \"db-[0-9\"")) == [
            "a.yaml:8: rules[0].match.connections[1]: pattern 'db-[0-9' has a '[' without its ']'; write '\\[' for a literal bracket",
        ])
        #expect(T.messages(Self.rule("effect: allow\nmatch: { subjects: [\"bob\\\\\"] }")) == [
            "a.yaml:5: rules[0].match.subjects[0]: pattern 'bob\\' ends in a lone '\\'; write '\\\\' for a backslash",
        ])
        #expect(T.messages(Self.rule("effect: allow\nmatch: { groups: [\"\"] }")) == [
            "a.yaml:5: rules[0].match.groups[0]: an empty pattern matches nothing; remove it, or write \"*\" for anything",
        ])
        #expect(T.messages(Self.rule("effect: allow\nmatch: { actors: [\"x[z-a]\"] }")) == [
            "a.yaml:5: rules[0].match.actors[0]: pattern 'x[z-a]' has a reversed range 'z-a'",
        ])
        #expect(T.messages(Self.rule("effect: allow\nmatch: { objects: [public..orders] }")) == [
            "a.yaml:5: rules[0].match.objects[0]: pattern 'public..orders' has an empty name part (two dots in a row, or a dot at an end)",
        ])
        #expect(T.messages(Self.rule("effect: allow\nmatch: { connections: [] }")) == [
            "a.yaml:5: rules[0].match.connections: is an empty list, which matches nothing; leave the key out to match anything",
        ])
    }

    @Test func badTimeWindows() {
        #expect(T.messages(Self.rule("effect: allow\nmatch:\n  time: { hours: \"9-17\" }")) == [
            "a.yaml:6: rules[0].match.time.hours: must be a span of local time like \"09:00-18:00\" (or \"22:00-06:00\" over midnight) whose ends differ, not '9-17'",
        ])
        #expect(T.messages(Self.rule("effect: allow\nmatch:\n  time: { hours: \"09:00-09:00\" }")).count == 1)
        #expect(T.messages(Self.rule("effect: allow\nmatch:\n  time: { hours: \"09:00-25:00\" }")).count == 1)
        #expect(T.messages(Self.rule("effect: allow\nmatch:\n  time: { days: [mon], timezone: Mars/Olympus }")) == [
            "a.yaml:6: rules[0].match.time.timezone: 'Mars/Olympus' is not a time zone; use an IANA name such as Europe/Berlin, America/New_York or UTC",
        ])
        #expect(T.messages(Self.rule("effect: allow\nmatch:\n  time: { timezone: UTC }")) == [
            "a.yaml:6: rules[0].match.time: names neither days nor hours; give at least one, or leave time out",
        ])
    }

    @Test func depthBounds() {
        #expect(T.messages(Self.rule("effect: allow\nmatch: { min_depth: 3, max_depth: 1 }")) == [
            "a.yaml:5: rules[0].match.max_depth: is 1, below min_depth 3, so the rule could never match",
        ])
        #expect(T.messages(Self.rule("effect: allow\nmatch: { max_depth: -1 }")) == [
            "a.yaml:5: rules[0].match.max_depth: must be a whole number from 0 to 32, not '-1'",
        ])
    }

    @Test func approvals() {
        #expect(T.messages(Self.rule("effect: require_approval")) == [
            "a.yaml:3: rules[0].approvers: a require_approval rule needs approvers: { groups: [...], subjects: [...] }",
        ])
        #expect(T.messages(Self.rule("effect: require_approval\napprovers: { groups: [dba] }\napprovals: 0")) == [
            "a.yaml:6: rules[0].approvals: must be a whole number from 1 to 100, not '0'",
        ])
        #expect(T.messages(Self.rule("effect: require_approval\napprovers: { subjects: [carol] }\napprovals: 2")) == [
            "a.yaml:6: rules[0].approvals: needs 2 approvals but only 1 approver subject(s) and no group are named, so it can never be approved",
        ])
        #expect(T.messages(Self.rule("effect: require_approval\napprovers: { groups: [dba], subjects: [] }")) == [])
        #expect(T.messages(Self.rule("effect: require_approval\napprovers: { groups: [], subjects: [] }")) == [
            "a.yaml:5: rules[0].approvers: names no approver; give at least one group or subject",
        ])
        #expect(T.messages(Self.rule("effect: require_approval\napprovers: {}")) == [
            "a.yaml:5: rules[0].approvers: names no approver; give at least one group or subject",
        ])
        #expect(T.messages(Self.rule("effect: allow\napprovers: { groups: [dba] }")) == [
            "a.yaml:5: rules[0].approvers: only require_approval rules take approvers",
        ])
    }

    @Test func fieldsThatBelongToOtherEffects() {
        let messages = T.messages(Self.rule("effect: deny\nmasking_profile: pii\nsession: { recording: false }"))
        #expect(messages.contains("a.yaml:5: rules[0].masking_profile: only allow rules attach a masking profile; a deny rule opens no session"))
        #expect(messages.contains("a.yaml:6: rules[0].session: only allow rules attach session limits; a deny rule opens no session"))
        #expect(T.messages(Self.rule("effect: allow\nreason: hi")) == [
            "a.yaml:5: rules[0].reason: allow rules show no reason to anyone; use description for notes",
        ])
    }

    @Test func sessionValues() {
        #expect(T.messages(Self.rule("effect: allow\nsession: { max_duration: forever, recording: maybe }")) == [
            "a.yaml:5: rules[0].session.max_duration: must be a positive duration like 90s, 15m, 8h or 1d, not 'forever'",
            "a.yaml:5: rules[0].session.recording: must be true or false, not 'maybe'",
        ])
    }

    @Test func maskingProfileReferencesResolveAcrossFiles() {
        let rules = "version: 1\nrules:\n  - { name: r, effect: allow, masking_profile: pi }\n"
        let profiles = "version: 1\nmasking_profiles:\n  pii:\n    columns: [{ match: email, action: redact }]\n"
        #expect(T.messages(rules, profiles) == [
            "a.yaml:3: rules[0].masking_profile: names masking profile 'pi', which no file defines (did you mean 'pii'?)",
        ])
        #expect(T.messages("version: 1\nrules:\n  - { name: r, effect: allow, masking_profile: pii }\n", profiles) == [])
        #expect(T.messages(profiles, profiles.replacingOccurrences(of: "email", with: "phone")) == [
            "b.yaml:3: masking_profiles.pii: masking profile 'pii' is already defined at a.yaml:3",
        ])
    }

    @Test func maskingProfileShape() {
        let file = """
            version: 1
            masking_profiles:
              empty: {}
              bad:
                columns:
                  - { match: "orders.", action: redact }
                  - { match: email, action: hide }
                  - { match: card, action: redact, keep: 4 }
                  - { match: card2, action: partial, keep: 99, name: n }
                  - { match: card3, action: partial, name: n }
                detectors:
                  - { detector: credit_card, action: redact }
                  - { detector: email, action: redact }
                  - { detector: email, action: pseudonym }
                  - { detector: iban }
            """
        #expect(T.messages(file) == [
            "a.yaml:3: masking_profiles.empty: masks nothing; give columns (name globs) or detectors, each with an action",
            "a.yaml:6: masking_profiles.bad.columns[0].match: 'orders.' is not a column pattern; write a column name or glob such as email, orders.email or *card*",
            "a.yaml:7: masking_profiles.bad.columns[1].action: must be one of redact, partial, pseudonym, not 'hide'",
            "a.yaml:8: masking_profiles.bad.columns[2].keep: keep applies only to action partial; remove it or use action: partial",
            "a.yaml:9: masking_profiles.bad.columns[3].keep: must be a whole number from 1 to 32, not '99'",
            "a.yaml:10: masking_profiles.bad.columns[4].name: the name 'n' is already used by masking_profiles.bad.columns[3].name in this profile",
            "a.yaml:12: masking_profiles.bad.detectors[0].detector: must be one of \(PolicyVocabulary.detectors.joined(separator: ", ")), not 'credit_card'",
            "a.yaml:14: masking_profiles.bad.detectors[2].detector: detector email is already listed at masking_profiles.bad.detectors[1]; each detector takes one action",
            "a.yaml:15: masking_profiles.bad.detectors[3].action: is required",
        ])
    }

    @Test func everyProblemIsReportedInFileAndLineOrder() {
        let a = """
            version: 1
            rules:
              - name: one
                effect: maybe
              - name: two
                effect: allow
                match: { classes: [nope], checks: [nope] }
            """
        let b = "version: 3\nrules:\n  - { name: two, effect: deny }\n"
        let lines = T.issues(a, b).map { "\($0.location)" }
        #expect(lines == ["a.yaml:4", "a.yaml:7", "a.yaml:7", "b.yaml:1", "b.yaml:3"])
    }

    @Test func loadingFilesReportsUnreadableOnesWithTheRest() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("policy-loader-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let good = directory.appendingPathComponent("good.yaml").path
        let bad = directory.appendingPathComponent("bad.yaml").path
        try "version: 1\nrules:\n  - { name: r, effect: allow }\n".write(toFile: good, atomically: true, encoding: .utf8)
        try "version: 1\nrules:\n  - { name: s, effect: nope }\n".write(toFile: bad, atomically: true, encoding: .utf8)
        let missing = directory.appendingPathComponent("missing.yaml").path
        #expect(try PolicySet.load(files: [good]).rules.map(\.name) == ["r"])
        #expect(throws: PolicyLoadError.self) { try PolicySet.load(files: [good, missing]) }
        do {
            _ = try PolicySet.load(files: [good, missing, bad, directory.path])
            Issue.record("expected a load error")
        } catch {
            #expect(error.issues.map(\.description) == [
                "\(missing): (file): no such file",
                "\(directory.path): (file): is a directory; name the policy files in it",
                "\(bad):3: rules[0].effect: must be one of allow, deny, require_approval, not 'nope'",
            ])
        }
    }

    @Test func documentsBuiltInCodeAreCheckedWhenCompiled() {
        let document = PolicyDocument(rules: [
            PolicyRule(name: "r", effect: .allow, match: PolicyMatch(connections: ["db-[x"])),
            PolicyRule(name: "r", effect: .allow, maskingProfile: "nope"),
        ])
        #expect(throws: PolicyLoadError.self) { try PolicySet(document: document) }
        do {
            _ = try PolicySet(document: document)
        } catch {
            #expect(error.issues.count == 3)
        }
    }
}
