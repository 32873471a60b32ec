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
The 001 cases run in order against one server (the later ones need -i's tables).
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

EXPRESSIONS = r"""-- integer functions
\set i1 debug(random(10, 19))
\set i2 debug(random_exponential(100, 199, 10.0))
\set i3 debug(random_gaussian(1000, 1999, 10.0))
\set i4 debug(abs(-4))
\set i5 debug(greatest(5, 4, 3, 2))
\set i6 debug(11 + least(-5, -4, -3, -2))
\set i7 debug(int(7.3))
-- integer arithmetic and bit-wise operators
\set i8 debug(17 / (4|1) + ( 4 + (7 >> 2)))
\set i9 debug(- (3 * 4 - (-(~ 1) + -(~ 0))) / -1 + 3 % -1)
\set ia debug(10 + (0 + 0 * 0 - 0 / 1))
\set ib debug(:ia + :scale)
\set ic debug(64 % (((2 + 1 * 2 + (1 # 2) | 4 * (2 & 11)) - (1 << 2)) + 2))
-- double functions and operators
\set d1 debug(sqrt(+1.5 * 2.0) * abs(-0.8E1))
\set d2 debug(double(1 + 1) * (-75.0 / :foo))
\set pi debug(pi() * 4.9)
\set d4 debug(greatest(4, 2, -1.17) * 4.0 * Ln(Exp(1.0)))
\set d5 debug(least(-5.18, .0E0, 1.0/0) * -3.3)
-- reset variables
\set i1 0
\set d1 false
-- yet another integer function
\set id debug(random_zipfian(1, 9, 1.3))
--- pow and power
\set poweri debug(pow(-3,3))
\set powerd debug(pow(2.0,10))
\set poweriz debug(pow(0,0))
\set powerdz debug(pow(0.0,0.0))
\set powernegi debug(pow(-2,-3))
\set powernegd debug(pow(-2.0,-3.0))
\set powernegd2 debug(power(-5.0,-5.0))
\set powerov debug(pow(9223372036854775807, 2))
\set powerov2 debug(pow(10,30))
-- comparisons and logical operations
\set c0 debug(1.0 = 0.0 and 1.0 != 0.0)
\set c1 debug(0 = 1 Or 1.0 = 1)
\set c4 debug(case when 0 < 1 then 32 else 0 end)
\set c5 debug(case when true then 33 else 0 end)
\set c6 debug(case when false THEN -1 when 1 = 1 then 13 + 19 + 2.0 end )
\set c7 debug(case when (1 > 0) and (1 >= 0) and (0 < 1) and (0 <= 1) and (0 != 1) and (0 = 0) and (0 <> 1) then 35 else 0 end)
\set c8 debug(CASE \
                WHEN (1.0 > 0.0) AND (1.0 >= 0.0) AND (0.0 < 1.0) AND (0.0 <= 1.0) AND \
                     (0.0 != 1.0) AND (0.0 = 0.0) AND (0.0 <> 1.0) AND (0.0 = 0.0) \
                  THEN 36 \
                  ELSE 0 \
              END)
\set c9 debug(CASE WHEN NOT FALSE THEN 3 * 12.3333334 END)
\set ca debug(case when false then 0 when 1-1 <> 0 then 1 else 38 end)
\set cb debug(10 + mod(13 * 7 + 12, 13) - mod(-19 * 11 - 17, 19))
\set cc debug(NOT (0 > 1) AND (1 <= 1) AND NOT (0 >= 1) AND (0 < 1) AND \
    NOT (false and true) AND (false OR TRUE) AND (NOT :f) AND (NOT FALSE) AND \
    NOT (NOT TRUE))
-- NULL value and associated operators
\set n0 debug(NULL + NULL * exp(NULL))
\set n1 debug(:n0)
\set n2 debug(NOT (:n0 IS NOT NULL OR :d1 IS NULL))
\set n3 debug(:n0 IS NULL AND :d1 IS NOT NULL AND :d1 NOTNULL)
\set n4 debug(:n0 ISNULL AND NOT :n0 IS TRUE AND :n0 IS NOT FALSE)
\set n5 debug(CASE WHEN :n IS NULL THEN 46 ELSE NULL END)
-- use a variables of all types
\set n6 debug(:n IS NULL AND NOT :f AND :t)
-- conditional truth
\set cs debug(CASE WHEN 1 THEN TRUE END AND CASE WHEN 1.0 THEN TRUE END AND CASE WHEN :n THEN NULL ELSE TRUE END)
-- hash functions
\set h0 debug(hash(10, 5432))
\set h1 debug(:h0 = hash_murmur2(10, 5432))
\set h3 debug(hash_fnv1a(10, 5432))
\set h4 debug(hash(10))
\set h5 debug(hash(10) = hash(10, :default_seed))
-- lazy evaluation
\set zy 0
\set yz debug(case when :zy = 0 then -1 else (1 / :zy) end)
\set yz debug(case when :zy = 0 or (1 / :zy) < 0 then -1 else (1 / :zy) end)
\set yz debug(case when :zy > 0 and (1 / :zy) < 0 then (1 / :zy) else 1 end)
-- substitute variables of all possible types
\set v0 NULL
\set v1 TRUE
\set v2 5432
\set v3 -54.21E-2
SELECT :v0, :v1, :v2, :v3;
-- if tests
\set nope 0
\if 1 > 0
\set id debug(65)
\elif 0
\set nope 1
\else
\set nope 1
\endif
\if 1 < 0
\set nope 1
\elif 1 > 0
\set ie debug(74)
\else
\set nope 1
\endif
\if 1 < 0
\set nope 1
\elif 1 < 0
\set nope 1
\else
\set if debug(83)
\endif
\if 1 = 1
\set ig debug(86)
\elif 0
\set nope 1
\endif
\if 1 = 0
\set nope 1
\elif 1 <> 0
\set ih debug(93)
\endif
-- must be zero if false branches where skipped
\set nope debug(:nope)
-- check automatic variables
\set sc debug(:scale)
\set ci debug(:client_id)
\set rs debug(:random_seed)
-- minint constant parsing
\set min debug(-9223372036854775808)
\set max debug(-(:min + 1))
-- parametric pseudorandom permutation function
\set t debug(permute(0, 2) + permute(1, 2) = 1)
\set t debug(permute(0, 3) + permute(1, 3) + permute(2, 3) = 3)
\set t debug(permute(0, 4) + permute(1, 4) + permute(2, 4) + permute(3, 4) = 6)
\set t debug(permute(0, 5) + permute(1, 5) + permute(2, 5) + permute(3, 5) + permute(4, 5) = 10)
\set t debug(permute(0, 16) + permute(1, 16) + permute(2, 16) + permute(3, 16) + \
             permute(4, 16) + permute(5, 16) + permute(6, 16) + permute(7, 16) + \
             permute(8, 16) + permute(9, 16) + permute(10, 16) + permute(11, 16) + \
             permute(12, 16) + permute(13, 16) + permute(14, 16) + permute(15, 16) = 120)
-- random sanity checks
\set size random(2, 1000)
\set v random(0, :size - 1)
\set p permute(:v, :size)
\set t debug(0 <= :p and :p < :size and :p = permute(:v + :size, :size) and :p <> permute(:v + 1, :size))
-- actual values
\set t debug(permute(:v, 1) = 0)
\set t debug(permute(0, 2, 5431) = 0 and permute(1, 2, 5431) = 1 and \
             permute(0, 2, 5433) = 1 and permute(1, 2, 5433) = 0)
-- check permute's portability across architectures
\set size debug(:max - 10)
\set t debug(permute(:size-1, :size, 5432) = 520382784483822430 and \
             permute(:size-2, :size, 5432) = 1143715004660802862 and \
             permute(:size-3, :size, 5432) = 447293596416496998 and \
             permute(:size-4, :size, 5432) = 916527772266572956 and \
             permute(:size-5, :size, 5432) = 2763809008686028849 and \
             permute(:size-6, :size, 5432) = 8648551549198294572 and \
             permute(:size-7, :size, 5432) = 4542876852200565125)
"""

# command number: what debug() printed for it (after --random-seed=5432)
EXPRESSION_RESULTS = [
    (1, "int 17"), (2, "int 104"), (3, "int 1498"), (4, "int 4"), (5, "int 5"), (6, "int 6"),
    (7, "int 7"), (8, "int 8"), (9, "int 9"), (10, "int 10"), (11, "int 11"), (12, "int 12"),
    (15, "double 15"), (16, "double 16"), (17, "double 17"), (20, "int 3"),
    (21, "double -27"), (22, "double 1024"), (23, "double 1"), (24, "double 1"),
    (25, "double -0.125"), (26, "double -0.125"), (27, "double -0.00032"),
    (28, r"double 8.50705917302346e\+0?37"), (29, r"double 1e\+0?30"),
    (30, "boolean false"), (31, "boolean true"), (32, "int 32"), (33, "int 33"),
    (34, "double 34"), (35, "int 35"), (36, "int 36"), (37, "double 37"), (38, "int 38"),
    (39, "int 39"), (40, "boolean true"), (41, "null"), (42, "null"), (43, "boolean true"),
    (44, "boolean true"), (45, "boolean true"), (46, "int 46"), (47, "boolean true"),
    (48, "boolean true"), (49, "int -5817877081768721676"), (50, "boolean true"),
    (51, "int -7793829335365542153"), (52, r"int -?\d+"), (53, "boolean true"),
    (65, "int 65"), (74, "int 74"), (83, "int 83"), (86, "int 86"), (93, "int 93"),
    (95, "int 0"), (96, "int 1"), (97, "int 0"), (98, "int 5432"),
    (99, "int -9223372036854775808"), (100, "int 9223372036854775807"),
    (101, "boolean true"), (102, "boolean true"), (103, "boolean true"),
    (104, "boolean true"), (105, "boolean true"), (109, "boolean true"),
    (110, "boolean true"), (111, "boolean true"), (113, "boolean true"),
]

SEEDED = r"""-- test random functions
\set ur random(1000, 1999)
\set er random_exponential(2000, 2999, 2.0)
\set gr random_gaussian(3000, 3999, 3.0)
\set zr random_zipfian(4000, 4999, 1.5)
INSERT INTO seeded_random(seed, rand, val) VALUES
  (:random_seed, 'uniform', :ur),
  (:random_seed, 'exponential', :er),
  (:random_seed, 'gaussian', :gr),
  (:random_seed, 'zipfian', :zr);
"""

JSON_PARAMS = r"""select '{ invalid ' as value \gset
select $$'Valame Dios!' dijo Sancho; 'no le dije yo a vuestra merced que mirase bien lo que hacia?'$$ as long \gset
select column1::jsonb from (values (:value), (:long)) as q;
"""

DIV_PARAMS = r"""select '1' as one \gset
SELECT 1 / (random() / 2)::int, :one::int, :two::int;
"""

PIPELINE = "\n-- test startpipeline\n\\startpipeline\n" + "select 1;\n" * 10 + "\n\\endpipeline\n"

SERIALIZATION = r"""
\set delta random(-5000, 5000)

-- the second client waits here
SELECT pg_advisory_lock(0);

BEGIN;
UPDATE xy SET y = y + :delta WHERE x = 1 AND pg_advisory_lock(1) IS NOT NULL;

-- the first client lets the second one in, and waits until it waits on lock 1
DO $$
DECLARE
  exists boolean;
  waiters integer;
BEGIN
  SELECT EXISTS (SELECT * FROM first_client_table) INTO STRICT exists;
  IF NOT exists THEN
	PERFORM pg_advisory_unlock(0);
	LOOP
	  SELECT COUNT(*) INTO STRICT waiters FROM pg_locks WHERE
	  locktype = 'advisory' AND objsubid = 1 AND
	  ((classid::bigint << 32) | objid::bigint = 1::bigint) AND NOT granted;
	  IF waiters = 1 THEN
		INSERT INTO first_client_table VALUES (1);
		EXIT;
	  END IF;
	END LOOP;
  END IF;
END$$;

COMMIT;
SELECT pg_advisory_unlock_all();
"""

DEADLOCK = r"""
SELECT pg_advisory_unlock_all();

-- the second client (and the one with the deadlock) wait here
SELECT pg_advisory_lock(0);
SELECT pg_advisory_lock(1);

DO $$
DECLARE
  exists boolean;
BEGIN
  SELECT EXISTS (SELECT * FROM first_client_table) INTO STRICT exists;
  IF exists THEN
	PERFORM pg_advisory_unlock(0);
	PERFORM pg_advisory_lock(3);
	PERFORM pg_advisory_lock(2);
  ELSE
	INSERT INTO first_client_table VALUES (1);
	PERFORM pg_advisory_lock(2);
  END IF;
END$$;

DO $$
DECLARE
  num_rows integer;
  waiters integer;
BEGIN
  SELECT COUNT(*) FROM first_client_table INTO STRICT num_rows;
  IF num_rows = 1 THEN
	INSERT INTO first_client_table VALUES (2);
	PERFORM pg_advisory_unlock(0);
	PERFORM pg_advisory_unlock(1);
	LOOP
	  SELECT COUNT(*) INTO STRICT waiters FROM pg_locks WHERE
	  locktype = 'advisory' AND
	  objsubid = 1 AND
	  ((classid::bigint << 32) | objid::bigint = 2::bigint) AND
	  NOT granted;
	  IF waiters = 1 THEN
		EXIT;
	  END IF;
	END LOOP;
	PERFORM pg_advisory_lock(0);
  END IF;
END$$;

-- the first client can get the deadlock here
SELECT pg_advisory_lock(3);

SELECT pg_advisory_unlock_all();
"""

# (name, status, stderr regexes, script): every one run with ERROR_ARGS
SCRIPT_RUN_ERRORS = [
    ("sql syntax error", 2, [r"ERROR:  syntax error", r"prepared statement .* does not exist"],
     "-- SQL syntax error\n    SELECT 1 + ;\n"),
    ("sql too many args", 1, [r"statement has too many arguments.*\b255\b"],
     "-- MAX_ARGS=256 for prepared\n\\set i 0\nSELECT LEAST(" + ", ".join([":i"] * 256) + ")"),
    ("shell bad command", 2, [r"\(shell\) .* meta-command failed"], r"\shell no-such-command"),
    ("shell undefined variable", 2, [r'undefined variable ":nosuchvariable"'],
     "-- undefined variable in shell\n\\shell echo ::foo :nosuchvariable\n"),
    ("shell missing command", 1, [r"missing command "], r"\shell"),
    ("shell too many args", 1, [r'too many arguments in command "shell"'],
     "-- 256 arguments to \\shell\n\\shell echo " + " ".join(["arg"] * 255)),
    ("set syntax error", 1, [r'syntax error in command "set"'], r"\set i 1 +"),
    ("set no such function", 1, [r"unexpected function name"], r"\set i noSuchFunction()"),
    ("set invalid variable name", 2, [r"invalid variable name"], r"\set . 1"),
    ("set division by zero", 2, [r"division by zero"], r"\set i 1/0"),
    ("set undefined variable", 2, [r'undefined variable "nosuchvariable"'],
     r"\set i :nosuchvariable"),
    ("set unexpected char", 1, [r"unexpected character .;."], r"\set i ;"),
    ("set too many args", 2, [r"too many function arguments"],
     r"\set i least(0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16)"),
    ("set empty random range", 2, [r"empty range given to random"], r"\set i random(5,3)"),
    ("set random range too large", 2, [r"random range is too large"],
     r"\set i random(:minint, :maxint)"),
    ("set gaussian param too small", 2, [r"gaussian param.* at least 2"],
     r"\set i random_gaussian(0, 10, 1.0)"),
    ("set exponential param greater 0", 2, [r"exponential parameter must be greater "],
     r"\set i random_exponential(0, 10, 0.0)"),
    ("set zipfian param to 1", 2, [r"zipfian parameter must be in range \[1\.001, 1000\]"],
     r"\set i random_zipfian(0, 10, 1)"),
    ("set zipfian param too large", 2,
     [r"zipfian parameter must be in range \[1\.001, 1000\]"],
     r"\set i random_zipfian(0, 10, 1000000)"),
    ("set non numeric value", 2, [r'malformed variable "foo" value: "bla"'],
     r"\set i :foo + 1"),
    ("set no expression", 1, [r"syntax error"], r"\set i"),
    ("set missing argument", 1, [r"(?i)missing argument"], r"\set"),
    ("set not a bool", 2, [r"cannot coerce double to boolean"], r"\set b NOT 0.0"),
    ("set not an int", 2, [r"cannot coerce boolean to int"], r"\set i TRUE + 2"),
    ("set not a double", 2, [r"cannot coerce boolean to double"], r"\set d ln(TRUE)"),
    ("set case error", 1, [r'syntax error in command "set"'],
     r"\set i CASE TRUE THEN 1 ELSE 0 END"),
    ("set random error", 2, [r"cannot coerce boolean to int"], r"\set b random(FALSE, TRUE)"),
    ("set number of args mismatch", 1, [r"unexpected number of arguments"],
     r"\set d ln(1.0, 2.0))"),
    ("set at least one arg", 1, [r"at least one argument expected"], r"\set i greatest())"),
    ("set double to int overflow", 2, [r"double to int overflow for 100"],
     r"\set i int(1E32)"),
    ("set bigint add overflow", 2, [r"int add out"], r"\set i (1<<62) + (1<<62)"),
    ("set bigint sub overflow", 2, [r"int sub out"], r"\set i 0 - (1<<62) - (1<<62) - (1<<62)"),
    ("set bigint mul overflow", 2, [r"int mul out"], r"\set i 2 * (1<<62)"),
    ("set bigint div out of range", 2, [r"bigint div out of range"], r"\set i :minint / -1"),
    ("setshell not an int", 2, [r"command must return an integer"],
     r"\setshell i echo -n one"),
    ("setshell missing arg", 1, [r"missing argument "], r"\setshell var"),
    ("setshell no such command", 2, [r"could not read result "],
     r"\setshell var no-such-command"),
    ("sleep undefined variable", 2, [r"sleep: undefined variable"], r"\sleep :nosuchvariable"),
    ("sleep too many args", 1, [r"too many arguments"], r"\sleep too many args"),
    ("sleep missing arg", 1, [r"missing argument", r"\\sleep"], r"\sleep"),
    ("sleep unknown unit", 1, [r"unrecognized time unit"], r"\sleep 1 week"),
    ("misc invalid backslash command", 1, [r'invalid command .* "nosuchcommand"'],
     r"\nosuchcommand"),
    ("misc empty script", 1, [r"empty command list for script"], ""),
    ("bad boolean", 2, [r"malformed variable.*trueXXX"], r"\set b :badtrue or true"),
    ("invalid permute size", 2, [r"permute size parameter must be greater than zero"],
     r"\set i permute(0, 0)"),
    ("gset no row", 2, [r"expected one row, got 0\b"], r"SELECT WHERE FALSE \gset"),
    ("gset alone", 1, [r"gset must follow an SQL command"], r"\gset"),
    ("gset no SQL", 1, [r"gset must follow an SQL command"], "\\set i +1\n\\gset"),
    ("gset too many arguments", 1, [r"too many arguments"], r"SELECT 1 \gset a b"),
    ("gset after gset", 1, [r"gset must follow an SQL command"],
     "SELECT 1 AS i \\gset\n\\gset"),
    ("gset non SELECT", 2, [r"expected one row, got 0"],
     r"DROP TABLE IF EXISTS no_such_table \gset"),
    ("gset bad default name", 2, [r"error storing into variable \?column\?"],
     r"SELECT 1 \gset"),
    ("gset bad name", 2, [r"error storing into variable bad name!"],
     r'SELECT 1 AS "bad name!" \gset'),
]

ERROR_ARGS = ("-n -t 1 -Dfoo=bla -Dnull=null -Dtrue=true -Done=1 -Dzero=0.0 -Dbadtrue=trueXXX"
              " -Dmaxint=9223372036854775807 -Dminint=-9223372036854775808 -M prepared")

LOG_LINE = r"^[01] \d{1,2} \d+ \d \d+ \d+$"


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
