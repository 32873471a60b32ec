"""tap_scripts.py - the scripts and expected values of PostgreSQL's pgbench test cases that
need a server (REL_15_STABLE's t/001_pgbench_with_server.pl), for tap_cases.py: the
expression script and what its debug() lines print after --random-seed=5432, the seeded
random script, the parameter-logging scripts, the pipeline, the serialization and deadlock
scripts of the retry cases, and the run-time error cases' scripts. The scripts' commands are
numbered by the cases' regexes, so their lines are kept as the .pl has them (comments aside).
"""

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
