//===- RunStore.cpp - The run database ------------------------------------===//

#include "adrs/Store/RunStore.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"

#include <sqlite3.h>

#include <condition_variable>
#include <deque>
#include <iterator>
#include <mutex>
#include <thread>

using namespace llvm;

namespace adrs {
namespace store {

namespace {

Error sqliteError(sqlite3 *DB, const Twine &What) {
  return createStringError(inconvertibleErrorCode(), "%s: %s",
                           What.str().c_str(),
                           DB ? sqlite3_errmsg(DB) : "out of memory");
}

/// One prepared statement, finalized on scope exit.
class Statement {
public:
  Statement(sqlite3 *DB, StringRef SQL) {
    if (sqlite3_prepare_v2(DB, SQL.data(), SQL.size(), &S, nullptr) !=
        SQLITE_OK)
      S = nullptr;
  }
  ~Statement() { sqlite3_finalize(S); }
  explicit operator bool() const { return S; }
  Statement &bind(int I, StringRef V) {
    sqlite3_bind_text(S, I, V.data(), V.size(), SQLITE_TRANSIENT);
    return *this;
  }
  Statement &bind(int I, int64_t V) {
    sqlite3_bind_int64(S, I, V);
    return *this;
  }
  Statement &bind(int I, double V) {
    sqlite3_bind_double(S, I, V);
    return *this;
  }
  Statement &bind(int I, std::optional<int64_t> V) {
    if (V)
      sqlite3_bind_int64(S, I, *V);
    else
      sqlite3_bind_null(S, I);
    return *this;
  }
  Statement &bind(int I, std::optional<double> V) {
    if (V)
      sqlite3_bind_double(S, I, *V);
    else
      sqlite3_bind_null(S, I);
    return *this;
  }
  int step() { return sqlite3_step(S); }
  std::string text(int C) const {
    const unsigned char *T = sqlite3_column_text(S, C);
    return T ? std::string(reinterpret_cast<const char *>(T),
                           sqlite3_column_bytes(S, C))
             : std::string();
  }
  int64_t integer(int C) const { return sqlite3_column_int64(S, C); }
  double real(int C) const { return sqlite3_column_double(S, C); }
  bool isNull(int C) const { return sqlite3_column_type(S, C) == SQLITE_NULL; }

private:
  sqlite3_stmt *S = nullptr;
};

Error exec(sqlite3 *DB, StringRef SQL) {
  char *Message = nullptr;
  if (sqlite3_exec(DB, SQL.str().c_str(), nullptr, nullptr, &Message) ==
      SQLITE_OK)
    return Error::success();
  std::string Text = Message ? Message : "unknown error";
  sqlite3_free(Message);
  return createStringError(inconvertibleErrorCode(), "%s", Text.c_str());
}

// The small structured columns (parents, objectives, features, regions) are
// JSON text; they are only ever written by this file.
template <typename T> std::string toText(const std::vector<T> &V) {
  return formatv("{0}", json::Value(V));
}

template <typename T> std::string toText(const std::map<std::string, T> &M) {
  json::Object O;
  for (const auto &[K, V] : M)
    O[K] = V;
  return formatv("{0}", json::Value(std::move(O)));
}

/// The value \p Text holds, or an empty one when it holds no such value.
template <typename T> T fromText(StringRef Text) {
  T Out{};
  Expected<json::Value> V = json::parse(Text);
  if (!V) {
    consumeError(V.takeError());
    return Out;
  }
  json::Path::Root Root;
  if (!fromJSON(*V, Out, Root))
    return T{};
  return Out;
}

constexpr const char *Schema = R"sql(
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS candidates(
  id INTEGER PRIMARY KEY,
  seq INTEGER NOT NULL UNIQUE,
  parents TEXT NOT NULL,
  island INTEGER NOT NULL,
  generator TEXT NOT NULL,
  operator TEXT NOT NULL,
  description TEXT NOT NULL,
  edit TEXT NOT NULL,
  prompt TEXT NOT NULL,
  reply TEXT NOT NULL,
  regions TEXT NOT NULL,
  status TEXT NOT NULL,
  reason TEXT NOT NULL,
  feasible INTEGER NOT NULL,
  score REAL,
  objectives TEXT NOT NULL,
  features TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  result TEXT NOT NULL,
  test TEXT NOT NULL DEFAULT '',
  cost REAL NOT NULL,
  wall_ms REAL NOT NULL,
  finished_at REAL NOT NULL,
  session INTEGER NOT NULL,
  model TEXT NOT NULL DEFAULT '',
  prompt_tokens INTEGER NOT NULL DEFAULT 0,
  completion_tokens INTEGER NOT NULL DEFAULT 0,
  prompt_variant INTEGER,
  proposal_ms REAL);
CREATE INDEX IF NOT EXISTS candidates_fingerprint ON candidates(fingerprint);
CREATE TABLE IF NOT EXISTS pending(
  id INTEGER PRIMARY KEY,
  parents TEXT NOT NULL,
  island INTEGER NOT NULL,
  generator TEXT NOT NULL,
  operator TEXT NOT NULL,
  description TEXT NOT NULL,
  edit TEXT NOT NULL,
  prompt TEXT NOT NULL,
  reply TEXT NOT NULL,
  regions TEXT NOT NULL,
  model TEXT NOT NULL DEFAULT '',
  prompt_tokens INTEGER NOT NULL DEFAULT 0,
  completion_tokens INTEGER NOT NULL DEFAULT 0,
  cost REAL NOT NULL DEFAULT 0,
  prompt_variant INTEGER,
  proposal_ms REAL);
CREATE TABLE IF NOT EXISTS events(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at REAL NOT NULL,
  session INTEGER NOT NULL,
  kind TEXT NOT NULL,
  detail TEXT NOT NULL,
  subject INTEGER);
CREATE TABLE IF NOT EXISTS steering(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL,
  undo INTEGER NOT NULL,
  subject INTEGER,
  text TEXT NOT NULL,
  applied_after INTEGER,
  applied_before_proposal INTEGER);
CREATE TABLE IF NOT EXISTS insights(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  iteration INTEGER NOT NULL,
  text TEXT NOT NULL,
  model TEXT NOT NULL,
  prompt TEXT NOT NULL,
  reply TEXT NOT NULL,
  prompt_tokens INTEGER NOT NULL,
  completion_tokens INTEGER NOT NULL,
  cost REAL NOT NULL);
CREATE TABLE IF NOT EXISTS prompt_variants(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  number INTEGER UNIQUE,
  parent INTEGER,
  iteration INTEGER NOT NULL,
  text TEXT NOT NULL,
  refusal TEXT NOT NULL,
  retired_after INTEGER,
  model TEXT NOT NULL,
  prompt TEXT NOT NULL,
  reply TEXT NOT NULL,
  prompt_tokens INTEGER NOT NULL,
  completion_tokens INTEGER NOT NULL,
  cost REAL NOT NULL);
CREATE TABLE IF NOT EXISTS tunings(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  subject INTEGER NOT NULL,
  at REAL NOT NULL,
  session INTEGER NOT NULL,
  constants INTEGER NOT NULL,
  evaluations INTEGER NOT NULL,
  budget INTEGER NOT NULL,
  initial_score REAL,
  best_score REAL,
  best_step INTEGER,
  coverage REAL,
  trajectory_length REAL,
  wall_ms REAL NOT NULL,
  failure TEXT NOT NULL,
  summary TEXT NOT NULL);
)sql";

/// What brings a database of version OldestSchemaVersion + I to the next:
/// the columns it lacks (new tables come with the schema above).
constexpr const char *Migrations[] = {
    // 2 -> 3: the prompt variant of candidates and pending ones.
    "ALTER TABLE candidates ADD COLUMN prompt_variant INTEGER; "
    "ALTER TABLE pending ADD COLUMN prompt_variant INTEGER;",
    // 3 -> 4: their proposal time (and the tunings table).
    "ALTER TABLE candidates ADD COLUMN proposal_ms REAL; "
    "ALTER TABLE pending ADD COLUMN proposal_ms REAL;",
};
static_assert(std::size(Migrations) == SchemaVersion - OldestSchemaVersion,
              "one migration a version");

constexpr const char *CandidateColumns =
    "id, seq, parents, island, generator, operator, description, status, "
    "reason, feasible, score, objectives, features, fingerprint, cost, "
    "wall_ms, finished_at, session, edit, prompt, reply, regions, result, "
    "test, "
    "model, prompt_tokens, completion_tokens, prompt_variant, proposal_ms";

/// The columns a database of \p Version is read with, as it is: those it
/// lacks read as NULL.
std::string candidateColumns(int Version) {
  if (Version >= 4)
    return CandidateColumns;
  return std::string(
             "id, seq, parents, island, generator, operator, "
             "description, status, reason, feasible, score, "
             "objectives, features, fingerprint, cost, wall_ms, "
             "finished_at, session, edit, prompt, reply, regions, "
             "result, test, model, prompt_tokens, completion_tokens, ") +
         (Version >= 3 ? "prompt_variant" : "NULL") + ", NULL";
}

Expected<Candidate> readCandidate(const Statement &S, bool Full) {
  Candidate C;
  C.Id = S.integer(0);
  C.Seq = S.integer(1);
  C.Parents = fromText<std::vector<int64_t>>(S.text(2));
  C.Island = S.integer(3);
  C.Generator = S.text(4);
  C.Operator = S.text(5);
  C.Description = S.text(6);
  std::string Status = S.text(7);
  std::optional<adrs::Status> Known = statusNamed(Status);
  if (!Known)
    return createStringError(inconvertibleErrorCode(),
                             "candidate #%lld has the status '%s', which this "
                             "adrsc does not know",
                             (long long)C.Id, Status.c_str());
  C.Status = *Known;
  C.Reason = S.text(8);
  C.Feasible = S.integer(9);
  if (!S.isNull(10))
    C.Score = S.real(10);
  C.Objectives = fromText<std::vector<double>>(S.text(11));
  C.Features = fromText<std::map<std::string, double>>(S.text(12));
  C.Fingerprint = S.text(13);
  C.CostUSD = S.real(14);
  C.WallMs = S.real(15);
  C.FinishedAt = S.real(16);
  C.Session = S.integer(17);
  if (Full) {
    C.Edit = S.text(18);
    C.Prompt = S.text(19);
    C.Reply = S.text(20);
    C.Regions = fromText<std::map<std::string, std::string>>(S.text(21));
    C.ResultJSON = S.text(22);
    C.TestJSON = S.text(23);
  }
  C.Model = S.text(24);
  C.PromptTokens = uint64_t(S.integer(25));
  C.CompletionTokens = uint64_t(S.integer(26));
  if (!S.isNull(27))
    C.PromptVariant = S.integer(27);
  if (!S.isNull(28))
    C.ProposalMs = S.real(28);
  return std::move(C);
}

} // namespace

struct RunStore::Impl {
  sqlite3 *Writer = nullptr; ///< Used only by the writer thread once it runs.
  sqlite3 *Reader = nullptr;
  bool ReadOnly = false;
  /// The database's version: what a candidate is read with (an older one
  /// opened read-only lacks the newer columns).
  int Version = SchemaVersion;
  std::string Columns = CandidateColumns;

  std::mutex Mutex;
  std::condition_variable Wake, Drained;
  std::deque<std::function<Error(sqlite3 *)>> Queue;
  bool Busy = false, Stopping = false;
  std::optional<std::string> FirstError;
  std::thread Thread;

  ~Impl() {
    if (Thread.joinable()) {
      {
        std::lock_guard<std::mutex> L(Mutex);
        Stopping = true;
      }
      Wake.notify_all();
      Thread.join();
    }
    // The last connection to close checkpoints the WAL into the database
    // file and removes it; a read-only one cannot, so it goes first.
    sqlite3_close(Reader);
    sqlite3_close(Writer);
  }

  void run() {
    std::unique_lock<std::mutex> L(Mutex);
    for (;;) {
      Wake.wait(L, [&] { return Stopping || !Queue.empty(); });
      if (Queue.empty() && Stopping)
        return;
      // Everything queued so far goes in one transaction: under load the
      // writer keeps up by batching, and each candidate is still atomic.
      std::deque<std::function<Error(sqlite3 *)>> Batch;
      Batch.swap(Queue);
      Busy = true;
      L.unlock();
      Error E = commit(Batch);
      if (E && Batch.size() > 1) {
        // One bad write must not take the others with it: go one by one.
        consumeError(std::move(E));
        Error OneByOne = Error::success();
        for (auto &Op : Batch) {
          std::deque<std::function<Error(sqlite3 *)>> One;
          One.push_back(std::move(Op));
          if (Error E1 = commit(One))
            OneByOne = joinErrors(std::move(OneByOne), std::move(E1));
        }
        E = std::move(OneByOne);
      }
      L.lock();
      if (E && !FirstError)
        FirstError = toString(std::move(E));
      else
        consumeError(std::move(E));
      Busy = false;
      Drained.notify_all();
    }
  }

  Error commit(std::deque<std::function<Error(sqlite3 *)>> &Batch) {
    if (Error E = exec(Writer, "BEGIN IMMEDIATE"))
      return E;
    for (auto &Op : Batch)
      if (Error E = Op(Writer)) {
        consumeError(exec(Writer, "ROLLBACK"));
        return E;
      }
    return exec(Writer, "COMMIT");
  }

  void enqueue(std::function<Error(sqlite3 *)> Op) {
    if (ReadOnly)
      return;
    {
      std::lock_guard<std::mutex> L(Mutex);
      Queue.push_back(std::move(Op));
    }
    Wake.notify_one();
  }
};

RunStore::RunStore(std::unique_ptr<Impl> I) : I(std::move(I)) {}
RunStore::~RunStore() = default;

static Expected<sqlite3 *> openConnection(StringRef Path, int Flags) {
  sqlite3 *DB = nullptr;
  if (sqlite3_open_v2(Path.str().c_str(), &DB, Flags, nullptr) != SQLITE_OK) {
    Error E = sqliteError(DB, "cannot open the run database '" + Path + "'");
    sqlite3_close(DB);
    return E;
  }
  // Another process (a reader, `adrsc best` during a run) may hold a lock
  // for a moment; wait instead of failing.
  sqlite3_busy_timeout(DB, 10000);
  return DB;
}

/// The database's schema version: the current one, or an older one (which
/// a writer migrates); none in a new database.
static Expected<std::optional<int>> checkVersion(sqlite3 *DB, StringRef Path) {
  Statement S(DB, "SELECT value FROM meta WHERE key = 'schema_version'");
  if (!S)
    return sqliteError(DB, "'" + Path + "' is not an adrsc run database");
  if (S.step() != SQLITE_ROW)
    return std::nullopt;
  std::string V = S.text(0);
  for (int Known = OldestSchemaVersion; Known <= SchemaVersion; ++Known)
    if (V == std::to_string(Known))
      return std::optional<int>(Known);
  return createStringError(
      inconvertibleErrorCode(),
      "the run database '%s' has schema version %s; this adrsc reads "
      "versions %d to %d (start a new run directory, or use the adrsc "
      "that made it)",
      Path.str().c_str(), V.c_str(), OldestSchemaVersion, SchemaVersion);
}

Expected<std::unique_ptr<RunStore>> RunStore::open(StringRef Path) {
  auto I = std::make_unique<Impl>();
  Expected<sqlite3 *> W = openConnection(
      Path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX);
  if (!W)
    return W.takeError();
  I->Writer = *W;
  // WAL: readers never block the writer. synchronous=NORMAL keeps every
  // committed transaction across a killed process (only a power loss can
  // take the last ones back).
  if (Error E = exec(I->Writer, "PRAGMA journal_mode=WAL; "
                                "PRAGMA synchronous=NORMAL; "
                                "PRAGMA foreign_keys=ON;"))
    return createStringError(
        inconvertibleErrorCode(), "cannot open the run database '%s': %s",
        Path.str().c_str(), toString(std::move(E)).c_str());
  if (Error E = exec(I->Writer, Schema))
    return createStringError(
        inconvertibleErrorCode(), "'%s' is not an adrsc run database: %s",
        Path.str().c_str(), toString(std::move(E)).c_str());
  Expected<std::optional<int>> Version = checkVersion(I->Writer, Path);
  if (!Version)
    return Version.takeError();
  if (*Version && **Version < SchemaVersion) {
    // Every step in one transaction: a database is at one version or the
    // next, never between.
    std::string SQL = "BEGIN IMMEDIATE; ";
    for (int From = **Version; From < SchemaVersion; ++From)
      SQL += Migrations[From - OldestSchemaVersion] + std::string(" ");
    SQL += "UPDATE meta SET value = '" + std::to_string(SchemaVersion) +
           "' WHERE key = 'schema_version'; COMMIT;";
    if (Error E = exec(I->Writer, SQL)) {
      consumeError(exec(I->Writer, "ROLLBACK"));
      return createStringError(inconvertibleErrorCode(),
                               "cannot bring the run database '%s' to schema "
                               "version %d: %s",
                               Path.str().c_str(), SchemaVersion,
                               toString(std::move(E)).c_str());
    }
  }
  if (Error E = exec(I->Writer,
                     ("INSERT OR IGNORE INTO meta VALUES('schema_version', '" +
                      std::to_string(SchemaVersion) + "')")))
    return E;
  Expected<sqlite3 *> R =
      openConnection(Path, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX);
  if (!R)
    return R.takeError();
  I->Reader = *R;
  Impl *Raw = I.get();
  I->Thread = std::thread([Raw] { Raw->run(); });
  return std::unique_ptr<RunStore>(new RunStore(std::move(I)));
}

Expected<std::unique_ptr<RunStore>> RunStore::openReadOnly(StringRef Path) {
  auto I = std::make_unique<Impl>();
  I->ReadOnly = true;
  Expected<sqlite3 *> R =
      openConnection(Path, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX);
  if (!R)
    return R.takeError();
  I->Reader = *R;
  Expected<std::optional<int>> Version = checkVersion(I->Reader, Path);
  if (!Version)
    return Version.takeError();
  if (*Version) {
    I->Version = **Version;
    I->Columns = candidateColumns(I->Version);
  }
  Statement S(I->Reader, "SELECT count(*) FROM candidates");
  if (!S)
    return createStringError(inconvertibleErrorCode(),
                             "'%s' is not an adrsc run database: %s",
                             Path.str().c_str(), sqlite3_errmsg(I->Reader));
  return std::unique_ptr<RunStore>(new RunStore(std::move(I)));
}

Expected<std::optional<std::string>> RunStore::meta(StringRef Key) {
  Statement S(I->Reader, "SELECT value FROM meta WHERE key = ?");
  if (!S)
    return sqliteError(I->Reader, "cannot read the run's " + Key);
  int RC = S.bind(1, Key).step();
  if (RC == SQLITE_DONE)
    return std::nullopt;
  if (RC != SQLITE_ROW)
    return sqliteError(I->Reader, "cannot read the run's " + Key);
  return std::optional<std::string>(S.text(0));
}

Error RunStore::setMeta(StringRef Key, StringRef Value) {
  setMetaAsync(Key.str(), Value.str());
  return flush();
}

void RunStore::setMetaAsync(std::string Key, std::string Value) {
  I->enqueue(
      [Key = std::move(Key), Value = std::move(Value)](sqlite3 *DB) -> Error {
        Statement S(DB, "INSERT OR REPLACE INTO meta VALUES(?, ?)");
        if (!S || S.bind(1, Key).bind(2, Value).step() != SQLITE_DONE)
          return sqliteError(DB, "cannot write the run's " + Key);
        return Error::success();
      });
}

Error RunStore::forEachCandidate(bool Full,
                                 const std::function<void(Candidate &&)> &Fn) {
  Statement S(I->Reader, std::string("SELECT ") + I->Columns +
                             " FROM candidates ORDER BY seq");
  if (!S)
    return sqliteError(I->Reader, "cannot read the candidates");
  int RC;
  while ((RC = S.step()) == SQLITE_ROW) {
    Expected<Candidate> C = readCandidate(S, Full);
    if (!C)
      return C.takeError();
    Fn(std::move(*C));
  }
  if (RC != SQLITE_DONE)
    return sqliteError(I->Reader, "cannot read the candidates");
  return Error::success();
}

Expected<std::optional<Candidate>> RunStore::candidate(int64_t Id) {
  Statement S(I->Reader, std::string("SELECT ") + I->Columns +
                             " FROM candidates WHERE id = ?");
  if (!S)
    return sqliteError(I->Reader, "cannot read candidate #" + Twine(Id));
  int RC = S.bind(1, Id).step();
  if (RC == SQLITE_DONE)
    return std::nullopt;
  if (RC != SQLITE_ROW)
    return sqliteError(I->Reader, "cannot read candidate #" + Twine(Id));
  Expected<Candidate> C = readCandidate(S, /*Full=*/true);
  if (!C)
    return C.takeError();
  return std::optional<Candidate>(std::move(*C));
}

Expected<std::vector<Candidate>> RunStore::lineage(int64_t Id,
                                                   size_t MaxSteps) {
  std::vector<Candidate> Line;
  std::optional<int64_t> Next = Id;
  // A parent is always an earlier candidate; the check only guards against
  // a database that says otherwise.
  while (
      Next && Line.size() < MaxSteps &&
      llvm::none_of(Line, [&](const Candidate &C) { return C.Id == *Next; })) {
    Expected<std::optional<Candidate>> C = candidate(*Next);
    if (!C)
      return C.takeError();
    if (!*C)
      break;
    Next = (*C)->Parents.empty() ? std::nullopt
                                 : std::optional<int64_t>((*C)->Parents[0]);
    Line.push_back(std::move(**C));
  }
  std::reverse(Line.begin(), Line.end());
  return std::move(Line);
}

Expected<std::vector<Proposal>> RunStore::pending() {
  std::vector<Proposal> Out;
  Statement S(I->Reader,
              std::string("SELECT id, parents, island, generator, operator, "
                          "description, edit, prompt, reply, regions, model, "
                          "prompt_tokens, completion_tokens, cost, ") +
                  (I->Version >= 3 ? "prompt_variant" : "NULL") + ", " +
                  (I->Version >= 4 ? "proposal_ms" : "NULL") +
                  " FROM pending ORDER BY id");
  if (!S)
    return sqliteError(I->Reader, "cannot read the pending candidates");
  int RC;
  while ((RC = S.step()) == SQLITE_ROW) {
    Proposal P;
    P.Id = S.integer(0);
    P.Parents = fromText<std::vector<int64_t>>(S.text(1));
    P.Island = S.integer(2);
    P.Generator = S.text(3);
    P.Operator = S.text(4);
    P.Description = S.text(5);
    P.Edit = S.text(6);
    P.Prompt = S.text(7);
    P.Reply = S.text(8);
    P.Regions = fromText<std::map<std::string, std::string>>(S.text(9));
    P.Model = S.text(10);
    P.PromptTokens = uint64_t(S.integer(11));
    P.CompletionTokens = uint64_t(S.integer(12));
    P.CostUSD = S.real(13);
    if (!S.isNull(14))
      P.PromptVariant = S.integer(14);
    if (!S.isNull(15))
      P.ProposalMs = S.real(15);
    Out.push_back(std::move(P));
  }
  if (RC != SQLITE_DONE)
    return sqliteError(I->Reader, "cannot read the pending candidates");
  return std::move(Out);
}

Expected<std::vector<Event>> RunStore::events() {
  std::vector<Event> Out;
  Statement S(I->Reader, "SELECT at, session, kind, detail, subject FROM "
                         "events ORDER BY id");
  if (!S)
    return sqliteError(I->Reader, "cannot read the run's events");
  int RC;
  while ((RC = S.step()) == SQLITE_ROW) {
    std::string Kind = S.text(2);
    std::optional<EventKind> K = eventKindNamed(Kind);
    if (!K)
      return createStringError(inconvertibleErrorCode(),
                               "the run has an event of kind '%s', which this "
                               "adrsc does not know",
                               Kind.c_str());
    Event E;
    E.At = S.real(0);
    E.Session = unsigned(S.integer(1));
    E.Kind = *K;
    E.Detail = S.text(3);
    if (!S.isNull(4))
      E.Subject = S.integer(4);
    Out.push_back(std::move(E));
  }
  if (RC != SQLITE_DONE)
    return sqliteError(I->Reader, "cannot read the run's events");
  return std::move(Out);
}

bool SteeringState::apply(const Steering &S) {
  switch (S.Kind) {
  case EventKind::Hint:
    if (S.Undo)
      return S.Subject && Hints.erase(*S.Subject);
    return Hints.emplace(S.Id, S.Text).second;
  case EventKind::Pin:
    if (!S.Subject)
      return false;
    if (S.Undo) {
      auto It = llvm::find(Pins, *S.Subject);
      if (It == Pins.end())
        return false;
      Pins.erase(It);
      return true;
    }
    if (llvm::is_contained(Pins, *S.Subject))
      return false;
    Pins.push_back(*S.Subject);
    return true;
  default:
    return S.Subject.has_value();
  }
}

/// Whether the database has table \p Name: a run made before the table
/// existed lacks it until a writer opens the database.
static bool hasTable(sqlite3 *DB, StringRef Name) {
  Statement S(DB, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND "
                  "name = ?");
  return S && S.bind(1, Name).step() == SQLITE_ROW;
}

Expected<std::vector<Steering>> RunStore::steerings(int64_t After) {
  std::vector<Steering> Out;
  if (!hasTable(I->Reader, "steering"))
    return std::move(Out);
  Statement S(I->Reader, "SELECT id, kind, undo, subject, text, applied_after, "
                         "applied_before_proposal FROM steering WHERE id > ? "
                         "ORDER BY id");
  if (!S)
    return sqliteError(I->Reader, "cannot read the run's hints and pins");
  S.bind(1, After);
  int RC;
  while ((RC = S.step()) == SQLITE_ROW) {
    Steering St;
    St.Id = S.integer(0);
    std::string Kind = S.text(1);
    std::optional<EventKind> K = eventKindNamed(Kind);
    if (!K || (*K != EventKind::Hint && *K != EventKind::Pin &&
               *K != EventKind::Rollback))
      return createStringError(inconvertibleErrorCode(),
                               "the run has a steering of kind '%s', which "
                               "this adrsc does not know",
                               Kind.c_str());
    St.Kind = *K;
    St.Undo = S.integer(2) != 0;
    if (!S.isNull(3))
      St.Subject = S.integer(3);
    St.Text = S.text(4);
    if (!S.isNull(5))
      St.AppliedAfter = S.integer(5);
    if (!S.isNull(6))
      St.AppliedBeforeProposal = S.integer(6);
    Out.push_back(std::move(St));
  }
  if (RC != SQLITE_DONE)
    return sqliteError(I->Reader, "cannot read the run's hints and pins");
  return std::move(Out);
}

Expected<std::vector<Insight>> RunStore::insights() {
  std::vector<Insight> Out;
  if (!hasTable(I->Reader, "insights"))
    return std::move(Out);
  Statement S(I->Reader,
              "SELECT iteration, text, model, prompt, reply, prompt_tokens, "
              "completion_tokens, cost FROM insights ORDER BY id");
  if (!S)
    return sqliteError(I->Reader, "cannot read the run's insights");
  int RC;
  while ((RC = S.step()) == SQLITE_ROW) {
    Insight In;
    In.Iteration = S.integer(0);
    In.Text = S.text(1);
    In.Model = S.text(2);
    In.Prompt = S.text(3);
    In.Reply = S.text(4);
    In.PromptTokens = uint64_t(S.integer(5));
    In.CompletionTokens = uint64_t(S.integer(6));
    In.CostUSD = S.real(7);
    Out.push_back(std::move(In));
  }
  if (RC != SQLITE_DONE)
    return sqliteError(I->Reader, "cannot read the run's insights");
  return std::move(Out);
}

Expected<std::vector<PromptVariant>> RunStore::promptVariants() {
  std::vector<PromptVariant> Out;
  if (!hasTable(I->Reader, "prompt_variants"))
    return std::move(Out);
  Statement S(I->Reader,
              "SELECT number, parent, iteration, text, refusal, retired_after, "
              "model, prompt, reply, prompt_tokens, completion_tokens, cost "
              "FROM prompt_variants ORDER BY id");
  if (!S)
    return sqliteError(I->Reader, "cannot read the run's prompt variants");
  int RC;
  while ((RC = S.step()) == SQLITE_ROW) {
    PromptVariant V;
    if (!S.isNull(0))
      V.Number = S.integer(0);
    if (!S.isNull(1))
      V.Parent = S.integer(1);
    V.Iteration = S.integer(2);
    V.Text = S.text(3);
    V.Refusal = S.text(4);
    if (!S.isNull(5))
      V.RetiredAfter = S.integer(5);
    V.Model = S.text(6);
    V.Prompt = S.text(7);
    V.Reply = S.text(8);
    V.PromptTokens = uint64_t(S.integer(9));
    V.CompletionTokens = uint64_t(S.integer(10));
    V.CostUSD = S.real(11);
    Out.push_back(std::move(V));
  }
  if (RC != SQLITE_DONE)
    return sqliteError(I->Reader, "cannot read the run's prompt variants");
  return std::move(Out);
}

Expected<std::vector<TuningRecord>> RunStore::tunings() {
  std::vector<TuningRecord> Out;
  if (!hasTable(I->Reader, "tunings"))
    return std::move(Out);
  Statement S(I->Reader,
              "SELECT subject, at, session, constants, evaluations, budget, "
              "initial_score, best_score, best_step, coverage, "
              "trajectory_length, wall_ms, failure, summary FROM tunings "
              "ORDER BY id");
  if (!S)
    return sqliteError(I->Reader, "cannot read the run's tunings");
  auto Optional = [&](int C) {
    return S.isNull(C) ? std::nullopt : std::optional<double>(S.real(C));
  };
  int RC;
  while ((RC = S.step()) == SQLITE_ROW) {
    TuningRecord T;
    T.Subject = S.integer(0);
    T.At = S.real(1);
    T.Session = unsigned(S.integer(2));
    T.Constants = uint64_t(S.integer(3));
    T.Evaluations = uint64_t(S.integer(4));
    T.Budget = uint64_t(S.integer(5));
    T.InitialScore = Optional(6);
    T.BestScore = Optional(7);
    if (!S.isNull(8))
      T.BestStep = S.integer(8);
    T.Coverage = Optional(9);
    T.TrajectoryLength = Optional(10);
    T.WallMs = S.real(11);
    T.Failure = S.text(12);
    T.Summary = S.text(13);
    Out.push_back(std::move(T));
  }
  if (RC != SQLITE_DONE)
    return sqliteError(I->Reader, "cannot read the run's tunings");
  return std::move(Out);
}

int RunStore::schemaVersion() const { return I->Version; }

Expected<int64_t> RunStore::candidateCount() {
  Statement S(I->Reader, "SELECT count(*) FROM candidates");
  if (!S || S.step() != SQLITE_ROW)
    return sqliteError(I->Reader, "cannot count the candidates");
  return S.integer(0);
}

Expected<std::map<std::string, ModelUsage>> RunStore::usageByModel() {
  // The same grouping as the run loop's counter (Evolution::count).
  Statement S(I->Reader,
              "SELECT CASE model WHEN '' THEN generator ELSE model END, "
              "count(*), sum(prompt_tokens), sum(completion_tokens), "
              "sum(cost) FROM candidates WHERE model != '' OR cost != 0 "
              "GROUP BY 1 ORDER BY 1");
  if (!S)
    return sqliteError(I->Reader, "cannot read the models' usage");
  std::map<std::string, ModelUsage> Out;
  int RC;
  while ((RC = S.step()) == SQLITE_ROW) {
    ModelUsage &U = Out[S.text(0)];
    U.Requests = uint64_t(S.integer(1));
    U.PromptTokens = uint64_t(S.integer(2));
    U.CompletionTokens = uint64_t(S.integer(3));
    U.CostUSD = S.real(4);
  }
  if (RC != SQLITE_DONE)
    return sqliteError(I->Reader, "cannot read the models' usage");
  return Out;
}

Expected<int64_t> RunStore::maxId() {
  Statement S(I->Reader, "SELECT max((SELECT coalesce(max(id), -1) FROM "
                         "candidates), (SELECT coalesce(max(id), -1) FROM "
                         "pending))");
  if (!S || S.step() != SQLITE_ROW)
    return sqliteError(I->Reader, "cannot read the largest candidate id");
  return S.integer(0);
}

void RunStore::addPending(const Proposal &P) {
  I->enqueue([P](sqlite3 *DB) -> Error {
    Statement S(DB, "INSERT OR REPLACE INTO pending VALUES(?, ?, ?, ?, ?, ?, "
                    "?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!S)
      return sqliteError(DB, "cannot record a pending candidate");
    S.bind(1, P.Id)
        .bind(2, toText(P.Parents))
        .bind(3, int64_t(P.Island))
        .bind(4, P.Generator)
        .bind(5, P.Operator)
        .bind(6, P.Description)
        .bind(7, P.Edit)
        .bind(8, P.Prompt)
        .bind(9, P.Reply)
        .bind(10, toText(P.Regions))
        .bind(11, P.Model)
        .bind(12, int64_t(P.PromptTokens))
        .bind(13, int64_t(P.CompletionTokens))
        .bind(14, P.CostUSD)
        .bind(15, P.PromptVariant)
        .bind(16, P.ProposalMs);
    if (S.step() != SQLITE_DONE)
      return sqliteError(DB, "cannot record pending candidate " + Twine(P.Id));
    return Error::success();
  });
}

void RunStore::removePending(int64_t Id) {
  I->enqueue([Id](sqlite3 *DB) -> Error {
    Statement D(DB, "DELETE FROM pending WHERE id = ?");
    if (!D || D.bind(1, Id).step() != SQLITE_DONE)
      return sqliteError(DB, "cannot clear pending candidate " + Twine(Id));
    return Error::success();
  });
}

static Error insertEvent(sqlite3 *DB, const Event &E) {
  Statement S(DB, "INSERT INTO events(at, session, kind, detail, subject) "
                  "VALUES(?, ?, ?, ?, ?)");
  if (!S)
    return sqliteError(DB, "cannot record a '" + toString(E.Kind) + "' event");
  S.bind(1, E.At)
      .bind(2, int64_t(E.Session))
      .bind(3, toString(E.Kind))
      .bind(4, E.Detail);
  if (E.Subject)
    S.bind(5, *E.Subject);
  if (S.step() != SQLITE_DONE)
    return sqliteError(DB, "cannot record a '" + toString(E.Kind) + "' event");
  return Error::success();
}

void RunStore::addCandidate(const Candidate &C, std::vector<Event> Events,
                            std::optional<double> Elapsed) {
  I->enqueue([C, Events = std::move(Events), Elapsed](sqlite3 *DB) -> Error {
    for (const Event &E : Events)
      if (Error Err = insertEvent(DB, E))
        return Err;
    if (Elapsed) {
      Statement M(DB, "INSERT OR REPLACE INTO meta VALUES('elapsed_s', ?)");
      if (!M || M.bind(1, std::to_string(*Elapsed)).step() != SQLITE_DONE)
        return sqliteError(DB, "cannot record the run time");
    }
    Statement S(DB, std::string("INSERT INTO candidates(") + CandidateColumns +
                        ") VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                        "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!S)
      return sqliteError(DB, "cannot record a candidate");
    S.bind(1, C.Id)
        .bind(2, C.Seq)
        .bind(3, toText(C.Parents))
        .bind(4, int64_t(C.Island))
        .bind(5, C.Generator)
        .bind(6, C.Operator)
        .bind(7, C.Description)
        .bind(8, toString(C.Status))
        .bind(9, C.Reason)
        .bind(10, int64_t(C.Feasible))
        .bind(11, C.Score)
        .bind(12, toText(C.Objectives))
        .bind(13, toText(C.Features))
        .bind(14, C.Fingerprint)
        .bind(15, C.CostUSD)
        .bind(16, C.WallMs)
        .bind(17, C.FinishedAt)
        .bind(18, int64_t(C.Session))
        .bind(19, C.Edit)
        .bind(20, C.Prompt)
        .bind(21, C.Reply)
        .bind(22, toText(C.Regions))
        .bind(23, C.ResultJSON)
        .bind(24, C.TestJSON)
        .bind(25, C.Model)
        .bind(26, int64_t(C.PromptTokens))
        .bind(27, int64_t(C.CompletionTokens))
        .bind(28, C.PromptVariant)
        .bind(29, C.ProposalMs);
    if (S.step() != SQLITE_DONE)
      return sqliteError(DB, "cannot record candidate " + Twine(C.Id));
    Statement D(DB, "DELETE FROM pending WHERE id = ?");
    if (!D || D.bind(1, C.Id).step() != SQLITE_DONE)
      return sqliteError(DB, "cannot record candidate " + Twine(C.Id));
    return Error::success();
  });
}

void RunStore::setTest(int64_t Id, std::string TestJSON) {
  I->enqueue([Id, TestJSON = std::move(TestJSON)](sqlite3 *DB) -> Error {
    Statement S(DB, "UPDATE candidates SET test = ? WHERE id = ?");
    if (!S || S.bind(1, TestJSON).bind(2, Id).step() != SQLITE_DONE)
      return sqliteError(DB, "cannot record the test result of candidate " +
                                 Twine(Id));
    return Error::success();
  });
}

void RunStore::addEvent(const Event &E) {
  I->enqueue([E](sqlite3 *DB) -> Error { return insertEvent(DB, E); });
}

Expected<int64_t> RunStore::addSteering(const Steering &St) {
  auto Id = std::make_shared<int64_t>(0);
  I->enqueue([St, Id](sqlite3 *DB) -> Error {
    Statement S(DB, "INSERT INTO steering(kind, undo, subject, text) "
                    "VALUES(?, ?, ?, ?)");
    if (!S)
      return sqliteError(DB, "cannot record the " + toString(St.Kind));
    S.bind(1, toString(St.Kind)).bind(2, int64_t(St.Undo)).bind(4, St.Text);
    if (St.Subject)
      S.bind(3, *St.Subject);
    if (S.step() != SQLITE_DONE)
      return sqliteError(DB, "cannot record the " + toString(St.Kind));
    *Id = sqlite3_last_insert_rowid(DB);
    return Error::success();
  });
  if (Error E = flush())
    return std::move(E);
  return *Id;
}

void RunStore::markApplied(int64_t Id, int64_t Seq, int64_t NextProposal) {
  I->enqueue([Id, Seq, NextProposal](sqlite3 *DB) -> Error {
    Statement S(DB, "UPDATE steering SET applied_after = ?, "
                    "applied_before_proposal = ? WHERE id = ?");
    if (!S ||
        S.bind(1, Seq).bind(2, NextProposal).bind(3, Id).step() != SQLITE_DONE)
      return sqliteError(DB, "cannot record that steering " + Twine(Id) +
                                 " was taken");
    return Error::success();
  });
}

void RunStore::addInsight(const Insight &In, const Event &E) {
  I->enqueue([In, E](sqlite3 *DB) -> Error {
    Statement S(DB, "INSERT INTO insights(iteration, text, model, prompt, "
                    "reply, prompt_tokens, completion_tokens, cost) "
                    "VALUES(?, ?, ?, ?, ?, ?, ?, ?)");
    if (!S)
      return sqliteError(DB, "cannot record an insight");
    S.bind(1, In.Iteration)
        .bind(2, In.Text)
        .bind(3, In.Model)
        .bind(4, In.Prompt)
        .bind(5, In.Reply)
        .bind(6, int64_t(In.PromptTokens))
        .bind(7, int64_t(In.CompletionTokens))
        .bind(8, In.CostUSD);
    if (S.step() != SQLITE_DONE)
      return sqliteError(DB, "cannot record an insight");
    return insertEvent(DB, E);
  });
}

void RunStore::addPromptVariant(const PromptVariant &V,
                                std::optional<int64_t> Retire,
                                std::optional<Event> E) {
  I->enqueue([V, Retire, E](sqlite3 *DB) -> Error {
    Statement S(DB, "INSERT INTO prompt_variants(number, parent, iteration, "
                    "text, refusal, retired_after, model, prompt, reply, "
                    "prompt_tokens, completion_tokens, cost) VALUES(?, ?, ?, "
                    "?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!S)
      return sqliteError(DB, "cannot record a prompt variant");
    S.bind(1, V.Number)
        .bind(2, V.Parent)
        .bind(3, V.Iteration)
        .bind(4, V.Text)
        .bind(5, V.Refusal)
        .bind(6, V.RetiredAfter)
        .bind(7, V.Model)
        .bind(8, V.Prompt)
        .bind(9, V.Reply)
        .bind(10, int64_t(V.PromptTokens))
        .bind(11, int64_t(V.CompletionTokens))
        .bind(12, V.CostUSD);
    if (S.step() != SQLITE_DONE)
      return sqliteError(DB, "cannot record a prompt variant");
    if (Retire) {
      Statement R(DB, "UPDATE prompt_variants SET retired_after = ? WHERE "
                      "number = ?");
      if (!R || R.bind(1, V.Iteration).bind(2, *Retire).step() != SQLITE_DONE)
        return sqliteError(DB,
                           "cannot retire prompt variant " + Twine(*Retire));
    }
    return E ? insertEvent(DB, *E) : Error::success();
  });
}

void RunStore::addTuning(const TuningRecord &T, const Event &E) {
  I->enqueue([T, E](sqlite3 *DB) -> Error {
    Statement S(DB, "INSERT INTO tunings(subject, at, session, constants, "
                    "evaluations, budget, initial_score, best_score, "
                    "best_step, coverage, trajectory_length, wall_ms, "
                    "failure, summary) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                    "?, ?, ?, ?)");
    if (!S)
      return sqliteError(DB, "cannot record a tuning");
    S.bind(1, T.Subject)
        .bind(2, T.At)
        .bind(3, int64_t(T.Session))
        .bind(4, int64_t(T.Constants))
        .bind(5, int64_t(T.Evaluations))
        .bind(6, int64_t(T.Budget))
        .bind(7, T.InitialScore)
        .bind(8, T.BestScore)
        .bind(9, T.BestStep)
        .bind(10, T.Coverage)
        .bind(11, T.TrajectoryLength)
        .bind(12, T.WallMs)
        .bind(13, T.Failure)
        .bind(14, T.Summary);
    if (S.step() != SQLITE_DONE)
      return sqliteError(DB, "cannot record the tuning of candidate " +
                                 Twine(T.Subject));
    return insertEvent(DB, E);
  });
}

Error RunStore::flush() {
  std::unique_lock<std::mutex> L(I->Mutex);
  I->Drained.wait(L, [&] { return I->Queue.empty() && !I->Busy; });
  if (I->FirstError)
    return createStringError(inconvertibleErrorCode(), "%s",
                             I->FirstError->c_str());
  return Error::success();
}

} // namespace store
} // namespace adrs
