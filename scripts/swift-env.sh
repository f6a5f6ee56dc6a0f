# Sourced by the scripts: puts Swift on PATH when it lives at /opt/swift.
if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then
  export PATH=/opt/swift/usr/bin:$PATH
fi
command -v swift >/dev/null 2>&1 || { echo "swift not found: install Swift 6.3 (or put it at /opt/swift)" >&2; exit 1; }
