"""tap_cases.py - PostgreSQL's own pgbench test cases (REL_15_STABLE's
src/bin/pgbench/t/001_pgbench_with_server.pl and 002_pgbench_no_server.pl), one row each,
written here as data for test_pgbench_tap.py.

A row (a dict):
  name     unique; docs/pgbench.md's "cases that do not hold" list names rows by it
  args     the command line after the program, split on blanks as the .pl splits it
  status   the exit status wanted
  out, err regexes (Python's re, searched in the whole stream) that must all match; [] none
  files    {name: text}: scripts written to the case directory and passed as -f DIR/name
           (a name ending in @W keeps @W on the command line, not in the file name)
  extra    arguments after the files ("{dir}" is the case directory)
  server   False: run without any PG* environment (002's cases need no server)
  env      more environment (PGOPTIONS)
  before, after_sql  SQL run through psql before and after the case
  conf     server settings applied (ALTER SYSTEM, reload) before the case
  checks   what the .pl checks after the run:
             ("sql", query, regex)      the query's rows ("a|b" lines) match regex
             ("log", regex, present)    the server log has (or has not) a match
             ("logs", prefix, nfiles, minlines, maxlines, regex)  -l's files in the case
                                         directory, as check_pgbench_logs
The 001 cases run in order against one server (the later ones need -i's tables); their long
scripts are tap_scripts.py's.
"""
import random

SEED = random.randint(0, 999999999)  # the .pl's int(rand(1000000000)), one per test run

# ---------------------------------------------------------------- 002: option errors, no server

OPTION_ERRORS = [
    ("bad option", "-h home -p 5432 -U calvin -d --bad-option", [r"--help.*more information"]),
    ("no file", "-f no-such-file", [r'could not open file "no-such-file":']),
    ("no builtin", "-b no-such-builtin", [r'no builtin script .* "no-such-builtin"']),
    ("invalid weight", "--builtin=select-only@one", [r"invalid weight specification: @one"]),
    ("invalid weight range", "-b select-only@-1", [r"weight spec.* out of range .*: -1"]),
    ("too many scripts", " ".join(["-S"] * 129), [r"at most 128 SQL scripts"]),
    ("bad #clients", "-c three", [r'invalid value "three" for option -c/--clients']),
    ("bad #threads", "-j eleven", [r'invalid value "eleven" for option -j/--jobs']),
    ("bad scale", "-i -s two", [r'invalid value "two" for option -s/--scale']),
    ("invalid #transactions", "-t zil", [r'invalid value "zil" for option -t/--transactions']),
    ("invalid duration", "-T ten", [r'invalid value "ten" for option -T/--time']),
    ("-t XOR -T", "-N -l --aggregate-interval=5 --log-prefix=notused -t 1000 -T 1",
     [r"specify either "]),
    ("-T XOR -t", "-P 1 --progress-timestamp -l --sampling-rate=0.001 -T 10 -t 1000",
     [r"specify either "]),
    ("bad variable", "--define foobla", [r"invalid variable definition"]),
    ("invalid fillfactor", "-F 1", [r"-F/--fillfactor must be in range"]),
    ("invalid query mode", "-M no-such-mode", [r"invalid query mode"]),
    ("invalid progress", "--progress=0", [r"-P/--progress must be in range"]),
    ("invalid rate", "--rate=0.0", [r"invalid rate limit"]),
    ("invalid latency", "--latency-limit=0.0", [r"invalid latency limit"]),
    ("invalid sampling rate", "--sampling-rate=0", [r"invalid sampling rate"]),
    ("invalid aggregate interval", "--aggregate-interval=-3",
     [r"--aggregate-interval must be in range"]),
    ("weight zero", "-b se@0 -b si@0 -b tpcb@0", [r"weight must not be zero"]),
    ("init vs run", "-i -S", [r"cannot be used in initialization"]),
    ("run vs init", "-S -F 90", [r"cannot be used in benchmarking"]),
    ("ambiguous builtin", "-b s", [r"ambiguous"]),
    ("--progress-timestamp => --progress", "--progress-timestamp", [r"allowed only under"]),
    ("-I without init option", "-I dtg", [r"cannot be used in benchmarking mode"]),
    ("invalid init step", "-i -I dta",
     [r"unrecognized initialization step", r"Allowed step characters are"]),
    ("bad random seed", "--random-seed=one",
     [r'unrecognized random seed option "one"', r'Expecting an unsigned integer, "time" or "rand"',
      r"error while setting random seed from --random-seed option"]),
    ("bad partition method", "-i --partition-method=BAD", [r'"range"', r'"hash"', r'"BAD"']),
    ("bad partition number", "-i --partitions -1", [r"--partitions must be in range"]),
    ("partition method without partitioning", "-i --partition-method=hash",
     [r"partition-method requires greater than zero --partitions"]),
    ("bad maximum number of tries", "--max-tries -10",
     [r'invalid number of maximum tries: "-10"']),
    ("an infinite number of tries", "--max-tries 0",
     [r"an unlimited number of transaction tries can only be used with --latency-limit or a "
      r"duration"]),
    ("sampling => log", "--sampling-rate=0.01", [r"log sampling .* only when"]),
    ("sampling XOR aggregate", "-l --sampling-rate=0.1 --aggregate-interval=3",
     [r"sampling .* aggregation .* cannot be used at the same time"]),
    ("aggregate => log", "--aggregate-interval=3", [r"aggregation .* only when"]),
    ("log-prefix => log", "--log-prefix=x", [r"prefix .* only when"]),
    ("duration & aggregation", "-l -T 1 --aggregate-interval=3", [r"aggr.* not be higher"]),
    ("duration % aggregation", "-l -T 5 --aggregate-interval=3", [r"multiple"]),
]

SCRIPT_ERRORS = [
    ("missing endif", [r"\\if without matching \\endif"], "if-noendif.sql", r"\if 1"),
    ("missing if on elif", [r"\\elif without matching \\if"], "elif-noif.sql", r"\elif 1"),
    ("missing if on else", [r"\\else without matching \\if"], "else-noif.sql", r"\else"),
    ("missing if on endif", [r"\\endif without matching \\if"], "endif-noif.sql", r"\endif"),
    ("elif after else", [r"\\elif after \\else"], "else-elif.sql",
     "\\if 1\n\\else\n\\elif 0\n\\endif"),
    ("else after else", [r"\\else after \\else"], "else-else.sql",
     "\\if 1\n\\else\n\\else\n\\endif"),
    ("if syntax error", [r'syntax error in command "if"'], "if-bad.sql", "\\if\n\\endif\n"),
    ("elif syntax error", [r'syntax error in command "elif"'], "elif-bad.sql",
     "\\if 0\n\\elif +\n\\endif\n"),
    ("else syntax error", [r'unexpected argument in command "else"'], "else-bad.sql",
     "\\if 0\n\\else BAD\n\\endif\n"),
    ("endif syntax error", [r'unexpected argument in command "endif"'], "endif-bad.sql",
     "\\if 0\n\\endif BAD\n"),
    ("not enough arguments for least", [r"at least one argument expected \(least\)"],
     "bad-least.sql", "\\set i least()\n"),
    ("not enough arguments for greatest", [r"at least one argument expected \(greatest\)"],
     "bad-greatest.sql", "\\set i greatest()\n"),
    ("not enough arguments for hash", [r"unexpected number of arguments \(hash\)"],
     "bad-hash-1.sql", "\\set i hash()\n"),
    ("too many arguments for hash", [r"unexpected number of arguments \(hash\)"],
     "bad-hash-2.sql", "\\set i hash(1,2,3)\n"),
    ("bigint overflow 1", [r"bigint constant overflow"], "overflow-1.sql",
     "\\set i 100000000000000000000\n"),
    ("double overflow 2", [r"double constant overflow"], "overflow-2.sql",
     "\\set d 1.0E309\n"),
    ("double overflow 3", [r"double constant overflow"], "overflow-3.sql",
     "\\set d .1E310\n"),
    ("set i", [r"set i 1 ", r"\^ error found here"], "set_i_op", "\\set i 1 +\n"),
    ("not enough arguments to permute", [r"unexpected number of arguments \(permute\)"],
     "bad-permute-1.sql", "\\set i permute(1)\n"),
    ("too many arguments to permute", [r"unexpected number of arguments \(permute\)"],
     "bad-permute-2.sql", "\\set i permute(1, 2, 3, 4)\n"),
]


def no_server_cases():
    cases = []
    for name, args, err in OPTION_ERRORS:
        cases.append(dict(name="002 option error: " + name, args=args, status=1, out=[r"^$"],
                          err=err, server=False))
    cases.append(dict(name="002 help", args="--help", status=0, server=False,
                      out=[r"benchmarking tool for PostgreSQL", r"Usage",
                           r"Initialization options:", r"Common options:", r"Report bugs to"],
                      err=[r"^$"]))
    cases.append(dict(name="002 version", args="-V", status=0, server=False,
                      out=[r"^pgbench .PostgreSQL. "], err=[r"^$"]))
    cases.append(dict(name="002 builtin list", args="-b list", status=0, server=False,
                      out=[r"^$"], err=[r"Available builtin scripts:", r"tpcb-like",
                                        r"simple-update", r"select-only"]))
    cases.append(dict(name="002 builtin listing", args="--show-script se", status=0,
                      server=False, out=[r"^$"],
                      err=[r"select-only: ", r"SELECT abalance FROM pgbench_accounts WHERE",
                           r"(?!UPDATE)", r"(?!INSERT)"]))
    for name, err, fname, text in SCRIPT_ERRORS:
        # 002 passes the file without its weight
        cases.append(dict(name="002 script error: " + name, args="", status=1, out=[r"^$"],
                          err=err, files={fname: text}, server=False))
    return cases

# ---------------------------------------------------------------- 001: against a server

from tap_scripts import (DEADLOCK, DIV_PARAMS, ERROR_ARGS, EXPRESSION_RESULTS,  # noqa: E402
                         EXPRESSIONS, JSON_PARAMS, LOG_LINE, PIPELINE, SCRIPT_RUN_ERRORS,
                         SEEDED, SERIALIZATION)


def server_cases():
    labels = ",".join("'l%d'" % i for i in range(1, 1001))
    c = []
    c.append(dict(name="001 concurrent OID generation",
                  args="--no-vacuum --client=5 --protocol=prepared --transactions=25",
                  status=0, out=[r"processed: 125/125"], err=[r"^$"],
                  files={"001_pgbench_concurrent_insert":
                         "CREATE TYPE pg_temp.e AS ENUM (%s); DROP TYPE pg_temp.e;" % labels}))
    c.append(dict(name="001 no such database", args="no-such-database", status=1,
                  out=[r"^$"], err=[r"connection to server .* failed",
                                    r'FATAL:  database "no-such-database" does not exist']))
    c.append(dict(name="001 run without init", args="-S -t 1", status=1, out=[],
                  err=[r"Perhaps you need to do initialization"]))
    c.append(dict(name="001 scale 1 initialization", args="-i", status=0, out=[r"^$"],
                  err=[r"creating tables", r"vacuuming", r"creating primary keys",
                       r"done in \d+\.\d\d s "]))
    c.append(dict(name="001 initialization with all options",
                  args="--initialize --init-steps=dtpvg --scale=1 --unlogged-tables "
                       "--fillfactor=98 --foreign-keys --quiet "
                       "--tablespace=regress_pgbench_tap_1_ts "
                       "--index-tablespace=regress_pgbench_tap_1_ts --partitions=2 "
                       "--partition-method=hash",
                  status=0, out=[r"(?i)^$"],
                  err=[r"dropping old tables", r"creating tables", r"creating 2 partitions",
                       r"vacuuming", r"creating primary keys", r"creating foreign keys",
                       r"(?!vacuuming)", r"done in \d+\.\d\d s "]))
    c.append(dict(name="001 --init-steps with -n, --foreign-keys",
                  args="--initialize --init-steps=dtpvGvv --no-vacuum --foreign-keys "
                       "--unlogged-tables --partitions=3",
                  status=0, out=[r"^$"],
                  err=[r"dropping old tables", r"creating tables", r"creating 3 partitions",
                       r"creating primary keys", r"generating data \(server-side\)",
                       r"creating foreign keys", r"(?!vacuuming)", r"done in \d+\.\d\d s "]))
    c.append(dict(name="001 tpcb-like",
                  args="--transactions=5 -Dfoo=bla --client=2 --protocol=simple --builtin=t "
                       "--connect -n -v -n",
                  status=0, out=[r"builtin: TPC-B", r"clients: 2\b", r"processed: 10/10",
                                 r"mode: simple", r"maximum number of tries: 1"],
                  err=[r"^$"]))
    c.append(dict(name="001 simple update",
                  args="--transactions=20 --client=5 -M extended --builtin=si -C --no-vacuum "
                       "-s 1",
                  status=0, out=[r"builtin: simple update", r"clients: 5\b", r"threads: 1\b",
                                 r"processed: 100/100", r"mode: extended"],
                  err=[r"scale option ignored"]))
    c.append(dict(name="001 select only", args="-t 100 -c 7 -M prepared -b se --debug",
                  status=0, out=[r"builtin: select only", r"clients: 7\b", r"threads: 1\b",
                                 r"processed: 700/700", r"mode: prepared"],
                  err=[r"vacuum", r"client 0", r"client 1", r"sending", r"receiving",
                       r"executing"]))
    c.append(dict(name="001 custom scripts", args="-t 100 -c 1 -j 2 -M prepared -n", status=0,
                  out=[r"type: multiple scripts", r"mode: prepared",
                       r"script 1: .*/001_pgbench_custom_script_1", r"weight: 2",
                       r"script 2: .*/001_pgbench_custom_script_2", r"weight: 1",
                       r"processed: 100/100"],
                  err=[r"^$"],
                  files={"001_pgbench_custom_script_1@1":
                         "-- select only\n\\set aid random(1, :scale * 100000)\n"
                         "SELECT abalance::INTEGER AS balance\n  FROM pgbench_accounts\n"
                         "  WHERE aid=:aid;\n",
                         "001_pgbench_custom_script_2@2":
                         "-- special variables\nBEGIN;\n\\set foo 1\n"
                         "-- cast are needed for typing under -M prepared\n"
                         "SELECT :foo::INT + :scale::INT * :client_id::INT AS bla;\nCOMMIT;\n"}))
    variant = ("-- select only variant\n\\set aid random(1, :scale * 100000)\nBEGIN;\n"
               "SELECT abalance::INTEGER AS balance\n  FROM pgbench_accounts\n"
               "  WHERE aid=:aid;\nCOMMIT;\n")
    c.append(dict(name="001 custom script simple", args="-n -t 10 -c 1 -M simple", status=0,
                  out=[r"type: .*/001_pgbench_custom_script_3", r"processed: 10/10",
                       r"mode: simple"], err=[r"^$"],
                  files={"001_pgbench_custom_script_3": variant}))
    c.append(dict(name="001 custom script extended", args="-n -t 10 -c 2 -M extended",
                  status=0, out=[r"type: .*/001_pgbench_custom_script_4", r"processed: 20/20",
                                 r"mode: extended"], err=[r"^$"],
                  files={"001_pgbench_custom_script_4": variant}))
    # the server's logging of query parameters, through pgbench's extended protocol
    p = "-n -t1 -c1 -M prepared"
    c.append(dict(name="001 parameter logging 1: none", args=p, status=2, out=[],
                  conf={"log_min_duration_statement": "0", "log_parameter_max_length": "0",
                        "log_parameter_max_length_on_error": "0"},
                  err=[r"ERROR:  invalid input syntax for type json",
                       r"(?!unnamed portal with parameters)"],
                  files={"001_param_1": JSON_PARAMS},
                  checks=[("log", r"DETAIL:  parameters: \$1 = '\{ invalid ',", False)]))
    c.append(dict(name="001 parameter logging 2: on error", args=p, status=2, out=[],
                  conf={"log_parameter_max_length": "-1",
                        "log_parameter_max_length_on_error": "64"},
                  err=[r"ERROR:  division by zero",
                       r"CONTEXT:  unnamed portal with parameters: \$1 = '1', \$2 = NULL"],
                  files={"001_param_2": DIV_PARAMS}))
    c.append(dict(name="001 parameter logging 3: truncated on error", args=p, status=2, out=[],
                  err=[r"ERROR:  invalid input syntax for type json",
                       r"(?m)CONTEXT:  JSON data, line 1: \{ invalid\.\.\.[\r\n]+unnamed portal "
                       r"with parameters: \$1 = '\{ invalid ', \$2 = '''Valame Dios!'' dijo "
                       r"Sancho; ''no le dije yo a vuestra merced que \.\.\.'"],
                  files={"001_param_3": JSON_PARAMS},
                  checks=[("log", r"DETAIL:  parameters: \$1 = '\{ invalid ', \$2 = '''Valame "
                                  r"Dios!'' dijo Sancho; ''no le dije yo a vuestra merced que "
                                  r"mirase bien lo que hacia\?'''", True)]))
    c.append(dict(name="001 parameter logging 4: full on error", args=p, status=2, out=[],
                  conf={"log_min_duration_statement": "-1", "log_parameter_max_length": "7",
                        "log_parameter_max_length_on_error": "-1"},
                  err=[r"ERROR:  division by zero",
                       r"CONTEXT:  unnamed portal with parameters: \$1 = '1', \$2 = NULL"],
                  files={"001_param_4": DIV_PARAMS}))
    c.append(dict(name="001 parameter logging 5: truncated statements", args=p, status=2,
                  out=[], conf={"log_min_duration_statement": "0"},
                  err=[r"ERROR:  invalid input syntax for type json",
                       r"(?m)CONTEXT:  JSON data, line 1: \{ invalid\.\.\.[\r\n]+unnamed portal "
                       r"with parameters: \$1 = '\{ invalid ', \$2 = '''Valame Dios!'' dijo "
                       r"Sancho; ''no le dije yo a vuestra merced que mirase bien lo que "
                       r"hacia\?'"],
                  files={"001_param_5": JSON_PARAMS},
                  checks=[("log", r"DETAIL:  parameters: \$1 = '\{ inval\.\.\.', "
                                  r"\$2 = '''Valame\.\.\.'", True)]))
    c.append(dict(name="001 parameter logging 6: bad parameter in bind", args=p, status=2,
                  out=[], err=[r'ERROR:  invalid input syntax for type smallint: "1a"',
                               r"CONTEXT:  unnamed portal parameter \$2 = '1a'"],
                  files={"001_param_6": "select 42 as value1, '1a' as value2 \\gset\n"
                                        "select :value1::smallint, :value2::smallint;\n"}))
    c.append(dict(name="001 expressions",
                  args="--random-seed=5432 -t 1 -Dfoo=-10.1 -Dbla=false -Di=+3 -Dn=null "
                       "-Dt=t -Df=of -Dd=1.0",
                  conf={"log_min_duration_statement": "-1",
                        "log_parameter_max_length_on_error": "0",
                        "log_parameter_max_length": "-1"},
                  status=0, out=[r"type: .*/001_pgbench_expressions", r"processed: 1/1"],
                  err=[r"setting random seed to 5432\b"]
                  + [r"command=%d.: %s\b" % (n, v) for n, v in EXPRESSION_RESULTS],
                  files={"001_pgbench_expressions": EXPRESSIONS}))
    for i in (1, 2):
        case = dict(name="001 random seeded %d" % i, args="--random-seed=%d -t 1" % SEED,
                    status=0, out=[r"processed: 1/1"],
                    err=[r"setting random seed to %d\b" % SEED],
                    files={"001_pgbench_random_seed_%d" % i: SEEDED})
        if i == 1:
            case["before"] = ("CREATE UNLOGGED TABLE seeded_random(seed INT8 NOT NULL, "
                              "rand TEXT NOT NULL, val INTEGER NOT NULL);")
        else:
            q = "SELECT seed, rand, val, COUNT(*) FROM seeded_random GROUP BY seed, rand, val"
            case["checks"] = [("sql", q, r"\b%d\|%s\|%s\d\d\d\|2" % (SEED, kind, first))
                              for kind, first in (("uniform", 1), ("exponential", 2),
                                                  ("gaussian", 3), ("zipfian", 4))]
            case["after_sql"] = "DROP TABLE seeded_random;"
        c.append(case)
    c.append(dict(name="001 backslash commands", args="-t 1", status=0,
                  out=[r"type: .*/001_pgbench_backslash_commands", r"processed: 1/1",
                       r"shell-echo-output"],
                  err=[r"command=8.: int 1\b"],
                  files={"001_pgbench_backslash_commands":
                         "-- run set\n\\set zero 0\n\\set one 1.0\n-- sleep\n\\sleep :one ms\n"
                         "\\sleep 100 us\n\\sleep 0 s\n\\sleep :zero\n"
                         "-- setshell and continuation\n\\setshell another_one\\\n  echo \\\n"
                         "    :one\n\\set n debug(:another_one)\n-- shell\n"
                         "\\shell echo shell-echo-output\n"}))
    c.append(dict(name="001 gset", args="-t 1", status=0,
                  out=[r"type: .*/001_pgbench_gset", r"processed: 1/1"],
                  err=[r"command=3.: int 0\b", r"command=5.: int 1\b", r"command=6.: int 2\b",
                       r"command=8.: int 3\b", r"command=10.: int 4\b",
                       r"command=12.: int 5\b"],
                  files={"001_pgbench_gset":
                         "-- test gset\n-- no columns\nSELECT \\gset\n-- one value\n"
                         "SELECT 0 AS i0 \\gset\n\\set i debug(:i0)\n-- two values\n"
                         "SELECT 1 AS i1, 2 AS i2 \\gset\n\\set i debug(:i1)\n"
                         "\\set i debug(:i2)\n-- with prefix\nSELECT 3 AS i3 \\gset x_\n"
                         "\\set i debug(:x_i3)\n-- overwrite existing variable\n"
                         "SELECT 0 AS i4, 4 AS i4 \\gset\n\\set i debug(:i4)\n"
                         "-- work on the last SQL command under \\;\n"
                         "\\; \\; SELECT 0 AS i5 \\; SELECT 5 AS i5 \\; \\; \\gset\n"
                         "\\set i debug(:i5)\n"}))
    c.append(dict(name="001 gset with two rows", args="-t 1", status=2,
                  out=[r"type: .*/001_pgbench_gset_two_rows", r"processed: 0/1"],
                  err=[r"expected one row, got 2\b"],
                  files={"001_pgbench_gset_two_rows":
                         "\nSELECT 5432 AS fail UNION SELECT 5433 ORDER BY 1 \\gset\n"}))
    c.append(dict(name="001 aset", args="-t 1", status=0,
                  out=[r"type: .*/001_pgbench_aset", r"processed: 1/1"],
                  err=[r"command=3.: int 8\b", r"command=4.: int 7\b"],
                  files={"001_pgbench_aset":
                         "\n-- test aset, which applies to a combined query\n"
                         "\\; SELECT 6 AS i6 \\; SELECT 7 AS i7 \\; \\aset\n"
                         "-- unless it returns more than one row, last is kept\n"
                         "SELECT 8 AS i6 UNION SELECT 9 ORDER BY 1 DESC \\aset\n"
                         "\\set i debug(:i6)\n\\set i debug(:i7)\n"}))
    c.append(dict(name="001 aset with empty result", args="-t 1", status=2,
                  out=[r"type: .*/001_pgbench_aset_empty", r"processed: 0/1"],
                  err=[r'undefined variable "i8"', r"evaluation of meta-command failed\b"],
                  files={"001_pgbench_aset_empty":
                         "\n-- empty result\n\\; SELECT 5432 AS i8 WHERE FALSE \\; \\aset\n"
                         "\\set i debug(:i8)\n"}))
    c.append(dict(name="001 pipeline", args="-t 1 -n -M extended", status=0,
                  out=[r"type: .*/001_pgbench_pipeline", r"actually processed: 1/1"], err=[],
                  files={"001_pgbench_pipeline": PIPELINE}))
    c.append(dict(name="001 pipeline prepared", args="-t 1 -n -M prepared", status=0,
                  out=[r"type: .*/001_pgbench_pipeline_prep", r"actually processed: 1/1"],
                  err=[], files={"001_pgbench_pipeline_prep": PIPELINE}))
    c.append(dict(name="001 startpipeline twice", args="-t 1 -n -M extended", status=2,
                  out=[], err=[r"already in pipeline mode"],
                  files={"001_pgbench_pipeline_2":
                         "\n-- startpipeline twice\n\\startpipeline\n\\startpipeline\n"}))
    c.append(dict(name="001 endpipeline without start", args="-t 1 -n -M extended", status=2,
                  out=[], err=[r"not in pipeline mode"],
                  files={"001_pgbench_pipeline_3":
                         "\n-- pipeline not started\n\\endpipeline\n"}))
    c.append(dict(name="001 gset in pipeline", args="-t 1 -n -M extended", status=2, out=[],
                  err=[r"gset is not allowed in pipeline mode"],
                  files={"001_pgbench_pipeline_4":
                         "\n\\startpipeline\nselect 1 \\gset f\n\\endpipeline\n"}))
    c.append(dict(name="001 pipeline serializable", args="-c4 -j2 -t 10 -n -M prepared",
                  status=0, out=[r"type: .*/001_pgbench_pipeline_serializable",
                                 r"actually processed: (\d+)/\1"], err=[],
                  files={"001_pgbench_pipeline_serializable":
                         "\n-- test startpipeline with serializable\n\\startpipeline\n"
                         "BEGIN ISOLATION LEVEL SERIALIZABLE;\n" + "select 1;\n" * 10
                         + "\nEND;\n\\endpipeline\n"}))
    for name, status, err, script in SCRIPT_RUN_ERRORS:
        fname = "001_pgbench_error_" + name.replace(" ", "_")
        c.append(dict(name="001 script error: " + name, args=ERROR_ARGS, status=status,
                      out=[r"^$" if status == 1 else r"processed: 0/1"], err=err,
                      files={fname: script}))
    c.append(dict(name="001 throttling",
                  args="-t 100 -S --rate=100000 --latency-limit=1000000 -c 2 -n -r",
                  status=0, out=[r"processed: 200/200", r"builtin: select only"],
                  err=[r"^$"]))
    c.append(dict(name="001 late throttling", args="-t 10 --rate=100000 --latency-limit=1 -n -r",
                  status=0, out=[r"processed: [01]/10", r"type: .*/001_pgbench_sleep",
                                 r"above the 1.0 ms latency limit: [01]/"],
                  err=[r"^$"], files={"001_pgbench_sleep": r"\sleep 2ms"}))
    c.append(dict(name="001 logs with sampling", args="-n -S -t 50 -c 2 --log --sampling-rate=0.5",
                  status=0, out=[r"select only", r"processed: 100/100"], err=[r"^$"],
                  extra="--log-prefix={dir}/001_pgbench_log_2",
                  checks=[("logs", "001_pgbench_log_2", 1, 8, 92, LOG_LINE)]))
    c.append(dict(name="001 logs contents", args="-n -b select-only -t 10 -l", status=0,
                  out=[r"select only", r"processed: 10/10"], err=[r"^$"],
                  extra="--log-prefix={dir}/001_pgbench_log_3",
                  checks=[("logs", "001_pgbench_log_3", 1, 10, 10,
                           r"^0 \d{1,2} \d+ \d \d+ \d+$")]))
    c.append(dict(name="001 incomplete transaction block", args="--no-vacuum", status=2,
                  out=[r"processed: 1/10"],
                  err=[r"client 0 aborted: end of script reached without completing the last "
                       r"transaction"],
                  files={"001_pgbench_incomplete_transaction_block": "BEGIN;SELECT 1;"}))
    c.append(dict(name="001 concurrent update with retrying",
                  args="-n -c 2 -t 1 -d --verbose-errors --max-tries 2", status=0,
                  before="CREATE UNLOGGED TABLE first_client_table (value integer); "
                         "CREATE UNLOGGED TABLE xy (x integer, y integer); "
                         "INSERT INTO xy VALUES (1, 2);",
                  env={"PGOPTIONS": r"-c default_transaction_isolation=repeatable\ read"},
                  out=[r"processed: 2/2\b", r"number of transactions retried: 1\b",
                       r"total number of retries: 1\b"],
                  err=[r"(?s)(client (0|1) sending UPDATE xy SET y = y \+ -?\d+\b).*"
                       r"client \2 got an error in command 3 \(SQL\) of script 0; "
                       r"ERROR:  could not serialize access due to concurrent update\b.*\1"],
                  files={"001_pgbench_serialization": SERIALIZATION},
                  after_sql="DELETE FROM first_client_table;"))
    c.append(dict(name="001 deadlock with retrying",
                  args="-n -c 2 -t 1 --max-tries 2 --verbose-errors", status=0,
                  env={"PGOPTIONS": r"-c default_transaction_isolation=read\ committed"},
                  out=[r"processed: 2/2\b", r"number of transactions retried: 1\b",
                       r"total number of retries: 1\b"],
                  err=[r"client (0|1) got an error in command (3|5) \(SQL\) of script 0; "
                       r"ERROR:  deadlock detected\b"],
                  files={"001_pgbench_deadlock": DEADLOCK},
                  after_sql="DROP TABLE first_client_table, xy;"))
    return c


def all_cases():
    cases = no_server_cases() + server_cases()
    names = [c["name"] for c in cases]
    assert len(names) == len(set(names)), "case names must be unique"
    return cases
