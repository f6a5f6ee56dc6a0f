"""Drives the gateway with pg8000, a PostgreSQL driver that does not use libpq.

pg8000 speaks the extended protocol (Parse/Bind/Execute) with bound parameters.
Usage: pg8000_client.py PORT TOKEN CAFILE ; prints one JSON document with the results.
"""
import json
import ssl
import sys

import pg8000.native

port, token, cafile = int(sys.argv[1]), sys.argv[2], sys.argv[3]
context = ssl.create_default_context(cafile=cafile)
connection = pg8000.native.Connection(
    user="orders", password=token, host="127.0.0.1", port=port, database="orders", ssl_context=context
)
result = {}
connection.run("create table if not exists driver_test(id int, label text, amount numeric)")
connection.run("insert into driver_test values (:id, :label, :amount)", id=7, label="from pg8000", amount=12.5)
result["rows"] = connection.run("select id, label, amount::text from driver_test where id = :id", id=7)
try:
    connection.run("select * from no_such_table where id = :id", id=1)
except pg8000.native.DatabaseError as error:
    result["error"] = error.args[0].get("C")
result["after_error"] = connection.run("select :x::int + 1", x=41)
connection.close()
print(json.dumps(result))
