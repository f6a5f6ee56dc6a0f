import Testing

@testable import ProtocolParsers

@Suite("scp exec commands")
struct SCPCommandTests {
    @Test(arguments: [
        ("scp -t /tmp/x", SCPCommand(direction: .upload, paths: ["/tmp/x"])),
        ("scp -t .", SCPCommand(direction: .upload, paths: ["."])),
        // What OpenSSH's scp -O sends with -v -r -p and several sources.
        (
            "scp -v -r -p -d -t -- -dir",
            SCPCommand(direction: .upload, paths: ["-dir"], recursive: true, preserveTimes: true, targetMustBeDirectory: true, verbose: true)
        ),
        ("scp -rt /srv", SCPCommand(direction: .upload, paths: ["/srv"], recursive: true)),
        ("/usr/bin/scp -f /etc/hosts", SCPCommand(direction: .download, paths: ["/etc/hosts"])),
        ("scp -f /var/log/*.log ~/notes", SCPCommand(direction: .download, paths: ["/var/log/*.log", "~/notes"])),
        ("scp -p -f -- -x", SCPCommand(direction: .download, paths: ["-x"], preserveTimes: true)),
        ("scp  -t\t'my file'", SCPCommand(direction: .upload, paths: ["my file"])),
        ("scp -t my\\ file", SCPCommand(direction: .upload, paths: ["my file"])),
        ("scp -t \"a \\\"quoted\\\" \\\\name\"", SCPCommand(direction: .upload, paths: ["a \"quoted\" \\name"])),
        ("scp -t \"a\\b\"", SCPCommand(direction: .upload, paths: ["a\\b"])),
        ("scp -t ''", SCPCommand(direction: .upload, paths: [""])),
        ("scp -f a#b", SCPCommand(direction: .download, paths: ["a#b"])),
        ("scp -q -f -", SCPCommand(direction: .download, paths: ["-"])),
    ])
    func recognises(_ commandLine: String, _ expected: SCPCommand) {
        #expect(SCPCommand(commandLine: commandLine) == expected)
    }

    @Test(arguments: [
        "",
        "ls -l",
        "scp",
        "scp -t",
        "scp /etc/passwd",
        "scp -t /a /b",
        "scp -t -f /a",
        "scp -tf /a",
        "scp -x -t /a",
        "scp -l 100 -t /a",
        "scp /a -t",
        "scp -t /tmp; rm -rf /",
        "scp -t /tmp && id",
        "scp -t /tmp | tee",
        "scp -t /tmp > /etc/x",
        "scp -t $(id)",
        "scp -t `id`",
        "scp -t \"$HOME\"",
        "scp -t $HOME",
        "scp -t {a,b}",
        "scp -t a\nid",
        "scp -t a\r\nid",
        "scp -t a # comment",
        "scp -t 'unterminated",
        "scp -t \"unterminated",
        "scp -t x\\",
        "FOO=1 scp -t x",
        "sh -c 'scp -t x'",
        "scpx -t x",
    ])
    func refuses(_ commandLine: String) {
        #expect(SCPCommand(commandLine: commandLine) == nil)
    }
}
