// The SQLite store: its schema and, next to it, every statement that writes or reads it. Over
// 500 lines on purpose: one table's writer, reader and schema stay side by side in one file, so
// a column added here cannot be forgotten by the other two.
#include "harness/store/store.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <fmt/format.h>

#include <optional>

#include "harness/error.hpp"

namespace harness {

using nlohmann::json;

namespace {

constexpr int kSchemaVersion = 1;

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS runs(
  id TEXT PRIMARY KEY,
  scenario TEXT NOT NULL,
  scenario_file TEXT,
  browser TEXT NOT NULL,
  variant TEXT NOT NULL,          -- JSON object
  status TEXT NOT NULL,
  reason TEXT,
  started_at TEXT,
  ended_at TEXT,
  duration_s REAL,
  iterations_planned INTEGER,
  iterations_completed INTEGER,
  warmup INTEGER,
  checkpoint_every INTEGER,
  checkpoint_gc INTEGER,
  settle_ms INTEGER,
  sample_interval_ms INTEGER,
  input_mode TEXT,
  ceiling_bytes INTEGER,
  start_url TEXT,
  browser_version TEXT,
  driver_version TEXT,
  environment TEXT,               -- JSON object
  results_dir TEXT,
  components TEXT,                -- JSON array (RunInfo::components); NULL without components
  summary TEXT                    -- summary.json as written at the end
);
CREATE TABLE IF NOT EXISTS iterations(
  run_id TEXT NOT NULL, n INTEGER NOT NULL, started_ms INTEGER, ended_ms INTEGER, ok INTEGER,
  PRIMARY KEY(run_id, n));
CREATE TABLE IF NOT EXISTS steps(
  run_id TEXT NOT NULL, iteration INTEGER, idx INTEGER, phase TEXT, label TEXT,
  started_ms INTEGER, duration_ms REAL, ok INTEGER, error TEXT);
CREATE INDEX IF NOT EXISTS steps_run ON steps(run_id, iteration);
CREATE TABLE IF NOT EXISTS samples(
  run_id TEXT NOT NULL, t_ms INTEGER, iteration INTEGER, pid INTEGER, role TEXT, subtype TEXT,
  rss_bytes INTEGER, private_bytes INTEGER, virtual_bytes INTEGER);
CREATE INDEX IF NOT EXISTS samples_run ON samples(run_id, t_ms);
CREATE TABLE IF NOT EXISTS checkpoints(
  run_id TEXT NOT NULL, iteration INTEGER NOT NULL, t_ms INTEGER, gc INTEGER,
  metric TEXT NOT NULL, value REAL,
  PRIMARY KEY(run_id, iteration, metric));
CREATE TABLE IF NOT EXISTS checkpoint_processes(
  run_id TEXT NOT NULL, iteration INTEGER, pid INTEGER, role TEXT, subtype TEXT,
  rss_bytes INTEGER, private_bytes INTEGER, pss_bytes INTEGER, smaps_private_bytes INTEGER,
  swap_bytes INTEGER, peak_rss_bytes INTEGER, data_bytes INTEGER);
CREATE TABLE IF NOT EXISTS events(
  run_id TEXT NOT NULL, t_ms INTEGER, iteration INTEGER, kind TEXT, message TEXT,
  details TEXT);
CREATE INDEX IF NOT EXISTS events_run ON events(run_id, t_ms);
CREATE TABLE IF NOT EXISTS dumps(
  run_id TEXT NOT NULL, t_ms INTEGER, iteration INTEGER, kind TEXT, rule TEXT, metric TEXT,
  value_bytes REAL, file TEXT, size_bytes INTEGER);
CREATE TABLE IF NOT EXISTS matrices(
  id TEXT PRIMARY KEY, name TEXT, started_at TEXT, results_dir TEXT, good INTEGER DEFAULT 0);
CREATE TABLE IF NOT EXISTS heartbeats(
  run_id TEXT NOT NULL, t_ms INTEGER, iteration INTEGER, latency_ms REAL);
)sql";

json variant_json(const std::vector<std::pair<std::string, std::string>>& variant) {
  json out = json::object();
  for (const auto& [k, v] : variant) out[k] = v;
  return out;
}

RunStatus status_from_name(const std::string& name) {
  for (auto s : all_run_statuses()) {
    if (name == status_name(s)) return s;
  }
  return RunStatus::kError;
}

std::string column_text(SQLite::Statement& q, int i) {
  return q.getColumn(i).isNull() ? std::string() : q.getColumn(i).getString();
}

}  // namespace

struct Store::Impl {
  explicit Impl(const std::filesystem::path& file)
      : db(file.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE | SQLite::OPEN_FULLMUTEX) {}
  SQLite::Database db;
  std::optional<SQLite::Transaction> transaction;
};

Store::Store(const std::filesystem::path& file) : file_(file) {
  try {
    if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path());
    impl_ = std::make_unique<Impl>(file);
    impl_->db.setBusyTimeout(10'000);
    impl_->db.exec("PRAGMA journal_mode=WAL");
    // NORMAL in WAL mode: a committed transaction survives a crash of the harness; only a power
    // loss may roll back the last ones.
    impl_->db.exec("PRAGMA synchronous=NORMAL");
    impl_->db.exec(kSchema);
    // Databases written before components existed get the column (NULL for their runs).
    bool has_components = false;
    SQLite::Statement columns(impl_->db, "PRAGMA table_info(runs)");
    while (columns.executeStep()) has_components |= columns.getColumn(1).getString() == "components";
    if (!has_components) impl_->db.exec("ALTER TABLE runs ADD COLUMN components TEXT");
    SQLite::Statement q(impl_->db, "INSERT OR IGNORE INTO meta(key, value) VALUES('schema', ?)");
    q.bind(1, std::to_string(kSchemaVersion));
    q.exec();
  } catch (const std::exception& e) {
    throw EnvironmentError(fmt::format("cannot open results database '{}': {}", file.string(),
                                       e.what()));
  }
}

Store::~Store() = default;

// IMMEDIATE: the write lock is taken at once, so two writers (a Grid matrix's parallel cells)
// wait for each other through the busy timeout instead of failing on a lock upgrade.
void Store::begin() {
  impl_->transaction.emplace(impl_->db, SQLite::TransactionBehavior::IMMEDIATE);
}

void Store::commit() {
  if (impl_->transaction) {
    impl_->transaction->commit();
    impl_->transaction.reset();
  }
}

void Store::upsert_run(const RunInfo& r) {
  SQLite::Statement q(impl_->db, R"sql(
    INSERT INTO runs(id, scenario, scenario_file, browser, variant, status, reason, started_at,
      ended_at, duration_s, iterations_planned, iterations_completed, warmup, checkpoint_every,
      checkpoint_gc, settle_ms, sample_interval_ms, input_mode, ceiling_bytes, start_url,
      browser_version, driver_version, environment, results_dir, components)
    VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
    ON CONFLICT(id) DO UPDATE SET status=excluded.status, reason=excluded.reason,
      ended_at=excluded.ended_at, duration_s=excluded.duration_s,
      iterations_planned=excluded.iterations_planned,
      iterations_completed=excluded.iterations_completed, start_url=excluded.start_url,
      browser_version=excluded.browser_version, driver_version=excluded.driver_version,
      environment=excluded.environment, components=excluded.components)sql");
  int i = 1;
  q.bind(i++, r.id);
  q.bind(i++, r.scenario);
  q.bind(i++, r.scenario_file);
  q.bind(i++, r.browser);
  q.bind(i++, variant_json(r.variant).dump());
  q.bind(i++, status_name(r.status));
  q.bind(i++, r.reason);
  q.bind(i++, r.started_at);
  q.bind(i++, r.ended_at);
  q.bind(i++, r.duration_s);
  q.bind(i++, r.iterations_planned);
  q.bind(i++, r.iterations_completed);
  q.bind(i++, r.warmup);
  q.bind(i++, r.checkpoint_every);
  q.bind(i++, r.checkpoint_gc ? 1 : 0);
  q.bind(i++, r.settle_ms);
  q.bind(i++, r.sample_interval_ms);
  q.bind(i++, r.input_mode);
  if (r.ceiling_bytes) q.bind(i++, static_cast<std::int64_t>(*r.ceiling_bytes));
  else q.bind(i++);
  q.bind(i++, r.start_url);
  q.bind(i++, r.browser_version);
  q.bind(i++, r.driver_version);
  q.bind(i++, r.environment.dump());
  q.bind(i++, r.results_dir);
  if (r.components.empty()) q.bind(i++);
  else q.bind(i++, r.components.dump());
  q.exec();
}

void Store::insert_iteration(const std::string& run_id, const IterationRecord& r) {
  SQLite::Statement q(impl_->db,
                      "INSERT OR REPLACE INTO iterations(run_id, n, started_ms, ended_ms, ok) "
                      "VALUES(?,?,?,?,?)");
  q.bind(1, run_id);
  q.bind(2, r.n);
  q.bind(3, static_cast<std::int64_t>(r.started_ms));
  q.bind(4, static_cast<std::int64_t>(r.ended_ms));
  q.bind(5, r.ok ? 1 : 0);
  q.exec();
}

void Store::insert_step(const std::string& run_id, const StepRecord& r) {
  SQLite::Statement q(impl_->db,
                      "INSERT INTO steps(run_id, iteration, idx, phase, label, started_ms, "
                      "duration_ms, ok, error) VALUES(?,?,?,?,?,?,?,?,?)");
  q.bind(1, run_id);
  q.bind(2, r.iteration);
  q.bind(3, r.index);
  q.bind(4, r.phase);
  q.bind(5, r.label);
  q.bind(6, static_cast<std::int64_t>(r.started_ms));
  q.bind(7, r.duration_ms);
  q.bind(8, r.ok ? 1 : 0);
  q.bind(9, r.error);
  q.exec();
}

void Store::insert_samples(const std::string& run_id, const SampleBatch& batch) {
  SQLite::Statement q(impl_->db,
                      "INSERT INTO samples(run_id, t_ms, iteration, pid, role, subtype, rss_bytes, "
                      "private_bytes, virtual_bytes) VALUES(?,?,?,?,?,?,?,?,?)");
  for (const auto& p : batch.processes) {
    q.bind(1, run_id);
    q.bind(2, static_cast<std::int64_t>(batch.t_ms));
    q.bind(3, batch.iteration);
    q.bind(4, static_cast<std::int64_t>(p.pid));
    q.bind(5, role_name(p.role));
    q.bind(6, p.subtype);
    q.bind(7, static_cast<std::int64_t>(p.rss_bytes));
    q.bind(8, static_cast<std::int64_t>(p.private_bytes));
    q.bind(9, static_cast<std::int64_t>(p.virtual_bytes));
    q.exec();
    q.reset();
  }
}

void Store::insert_checkpoint(const std::string& run_id, const CheckpointRecord& r) {
  SQLite::Statement q(impl_->db,
                      "INSERT OR REPLACE INTO checkpoints(run_id, iteration, t_ms, gc, metric, "
                      "value) VALUES(?,?,?,?,?,?)");
  for (const auto& [name, value] : r.metrics) {
    q.bind(1, run_id);
    q.bind(2, r.iteration);
    q.bind(3, static_cast<std::int64_t>(r.t_ms));
    q.bind(4, r.gc ? 1 : 0);
    q.bind(5, name);
    q.bind(6, value);
    q.exec();
    q.reset();
  }
  SQLite::Statement p(impl_->db,
                      "INSERT INTO checkpoint_processes(run_id, iteration, pid, role, subtype, "
                      "rss_bytes, private_bytes, pss_bytes, smaps_private_bytes, swap_bytes, "
                      "peak_rss_bytes, data_bytes) VALUES(?,?,?,?,?,?,?,?,?,?,?,?)");
  for (const auto& d : r.processes) {
    int i = 1;
    p.bind(i++, run_id);
    p.bind(i++, r.iteration);
    p.bind(i++, static_cast<std::int64_t>(d.cheap.pid));
    p.bind(i++, role_name(d.cheap.role));
    p.bind(i++, d.cheap.subtype);
    p.bind(i++, static_cast<std::int64_t>(d.cheap.rss_bytes));
    p.bind(i++, static_cast<std::int64_t>(d.cheap.private_bytes));
    p.bind(i++, static_cast<std::int64_t>(d.pss_bytes));
    p.bind(i++, static_cast<std::int64_t>(d.smaps_private_bytes));
    p.bind(i++, static_cast<std::int64_t>(d.swap_bytes));
    p.bind(i++, static_cast<std::int64_t>(d.peak_rss_bytes));
    p.bind(i++, static_cast<std::int64_t>(d.data_bytes));
    p.exec();
    p.reset();
  }
}

void Store::insert_event(const std::string& run_id, const EventRecord& r) {
  SQLite::Statement q(impl_->db,
                      "INSERT INTO events(run_id, t_ms, iteration, kind, message, details) "
                      "VALUES(?,?,?,?,?,?)");
  q.bind(1, run_id);
  q.bind(2, static_cast<std::int64_t>(r.t_ms));
  q.bind(3, r.iteration);
  q.bind(4, r.kind);
  q.bind(5, r.message);
  q.bind(6, r.details.dump());
  q.exec();
}

void Store::insert_dump(const std::string& run_id, const DumpRecord& r) {
  SQLite::Statement q(impl_->db,
                      "INSERT INTO dumps(run_id, t_ms, iteration, kind, rule, metric, value_bytes, "
                      "file, size_bytes) VALUES(?,?,?,?,?,?,?,?,?)");
  q.bind(1, run_id);
  q.bind(2, static_cast<std::int64_t>(r.t_ms));
  q.bind(3, r.iteration);
  q.bind(4, r.kind);
  q.bind(5, r.rule);
  q.bind(6, r.metric);
  q.bind(7, r.value_bytes);
  q.bind(8, r.file);
  q.bind(9, static_cast<std::int64_t>(r.size_bytes));
  q.exec();
}

void Store::insert_heartbeat(const std::string& run_id, const HeartbeatRecord& r) {
  SQLite::Statement q(impl_->db,
                      "INSERT INTO heartbeats(run_id, t_ms, iteration, latency_ms) VALUES(?,?,?,?)");
  q.bind(1, run_id);
  q.bind(2, static_cast<std::int64_t>(r.t_ms));
  q.bind(3, r.iteration);
  q.bind(4, r.latency_ms);
  q.exec();
}

std::vector<DumpRecord> Store::dumps(const std::string& run_id) const {
  SQLite::Statement q(impl_->db,
                      "SELECT t_ms, iteration, kind, rule, metric, value_bytes, file, size_bytes "
                      "FROM dumps WHERE run_id = ? ORDER BY t_ms");
  q.bind(1, run_id);
  std::vector<DumpRecord> out;
  while (q.executeStep()) {
    out.push_back({q.getColumn(0).getInt64(), q.getColumn(1).getInt(), column_text(q, 2),
                   column_text(q, 3), column_text(q, 4), q.getColumn(5).getDouble(),
                   column_text(q, 6), static_cast<std::uint64_t>(q.getColumn(7).getInt64())});
  }
  return out;
}

std::vector<StepRecord> Store::steps(const std::string& run_id) const {
  SQLite::Statement q(impl_->db,
                      "SELECT iteration, idx, phase, label, started_ms, duration_ms, ok, error FROM "
                      "steps WHERE run_id = ? ORDER BY rowid");
  q.bind(1, run_id);
  std::vector<StepRecord> out;
  while (q.executeStep()) {
    out.push_back({q.getColumn(0).getInt(), q.getColumn(1).getInt(), column_text(q, 2),
                   column_text(q, 3), q.getColumn(4).getInt64(), q.getColumn(5).getDouble(),
                   q.getColumn(6).getInt() != 0, column_text(q, 7)});
  }
  return out;
}

void Store::upsert_matrix(const MatrixRow& row) {
  SQLite::Statement q(impl_->db,
                      "INSERT INTO matrices(id, name, started_at, results_dir, good) "
                      "VALUES(?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET results_dir = "
                      "excluded.results_dir");
  q.bind(1, row.id);
  q.bind(2, row.name);
  q.bind(3, row.started_at);
  q.bind(4, row.results_dir);
  q.bind(5, row.good ? 1 : 0);
  q.exec();
}

void Store::mark_matrix_good(const std::string& id) {
  SQLite::Statement q(impl_->db, "UPDATE matrices SET good = 1 WHERE id = ?");
  q.bind(1, id);
  q.exec();
}

namespace {
Store::MatrixRow read_matrix_row(SQLite::Statement& q) {
  return {column_text(q, 0), column_text(q, 1), column_text(q, 2), column_text(q, 3),
          q.getColumn(4).getInt() != 0};
}
}  // namespace

std::optional<Store::MatrixRow> Store::matrix(const std::string& id) const {
  SQLite::Statement q(impl_->db,
                      "SELECT id, name, started_at, results_dir, good FROM matrices WHERE id = ?");
  q.bind(1, id);
  if (!q.executeStep()) return std::nullopt;
  return read_matrix_row(q);
}

std::optional<Store::MatrixRow> Store::last_good_matrix(const std::string& name) const {
  SQLite::Statement q(impl_->db,
                      "SELECT id, name, started_at, results_dir, good FROM matrices WHERE name = ? "
                      "AND good = 1 ORDER BY started_at DESC LIMIT 1");
  q.bind(1, name);
  if (!q.executeStep()) return std::nullopt;
  return read_matrix_row(q);
}

void Store::set_run_summary(const std::string& run_id, const std::string& summary_json) {
  SQLite::Statement q(impl_->db, "UPDATE runs SET summary = ? WHERE id = ?");
  q.bind(1, summary_json);
  q.bind(2, run_id);
  q.exec();
}

Store::LastHeard Store::last_heard(const std::string& run_id) const {
  LastHeard out;
  SQLite::Statement q(impl_->db, R"sql(
    SELECT (SELECT COALESCE(MAX(n), 0) FROM iterations WHERE run_id = ?1 AND ok = 1 AND n > 0),
           MAX((SELECT COALESCE(MAX(t_ms), 0) FROM samples WHERE run_id = ?1),
               (SELECT COALESCE(MAX(t_ms), 0) FROM events WHERE run_id = ?1),
               (SELECT COALESCE(MAX(ended_ms), 0) FROM iterations WHERE run_id = ?1)))sql");
  q.bind(1, run_id);
  if (q.executeStep()) {
    out.iterations_completed = q.getColumn(0).getInt();
    out.t_ms = q.getColumn(1).getInt64();
  }
  return out;
}

bool Store::mark_interrupted(const std::string& run_id, const std::string& reason,
                             const std::string& ended_at) {
  const LastHeard last = last_heard(run_id);
  SQLite::Transaction transaction(impl_->db);
  SQLite::Statement q(impl_->db, R"sql(
    UPDATE runs SET status = 'interrupted', reason = ?, ended_at = ?,
      iterations_completed = MAX(COALESCE(iterations_completed, 0), ?)
    WHERE id = ? AND status = 'running')sql");
  q.bind(1, reason);
  q.bind(2, ended_at);
  q.bind(3, last.iterations_completed);
  q.bind(4, run_id);
  if (q.exec() == 0) return false;
  insert_event(run_id, EventRecord{last.t_ms, last.iterations_completed, "interrupted", reason,
                                   nlohmann::json::object()});
  transaction.commit();
  return true;
}

namespace {
RunInfo read_run_row(SQLite::Statement& q) {
  RunInfo r;
  int i = 0;
  r.id = column_text(q, i++);
  r.scenario = column_text(q, i++);
  r.scenario_file = column_text(q, i++);
  r.browser = column_text(q, i++);
  json variant = json::parse(column_text(q, i++), nullptr, false);
  if (variant.is_object()) {
    for (auto& [k, v] : variant.items()) r.variant.emplace_back(k, v.get<std::string>());
  }
  r.status = status_from_name(column_text(q, i++));
  r.reason = column_text(q, i++);
  r.started_at = column_text(q, i++);
  r.ended_at = column_text(q, i++);
  r.duration_s = q.getColumn(i++).getDouble();
  r.iterations_planned = q.getColumn(i++).getInt();
  r.iterations_completed = q.getColumn(i++).getInt();
  r.warmup = q.getColumn(i++).getInt();
  r.checkpoint_every = q.getColumn(i++).getInt();
  r.checkpoint_gc = q.getColumn(i++).getInt() != 0;
  r.settle_ms = q.getColumn(i++).getInt();
  r.sample_interval_ms = q.getColumn(i++).getInt();
  r.input_mode = column_text(q, i++);
  if (!q.getColumn(i).isNull()) r.ceiling_bytes = q.getColumn(i).getInt64();
  ++i;
  r.start_url = column_text(q, i++);
  r.browser_version = column_text(q, i++);
  r.driver_version = column_text(q, i++);
  json environment = json::parse(column_text(q, i++), nullptr, false);
  if (environment.is_object()) r.environment = environment;
  r.results_dir = column_text(q, i++);
  json components = json::parse(column_text(q, i++), nullptr, false);
  if (components.is_array()) r.components = components;
  return r;
}

constexpr const char* kRunColumns =
    "id, scenario, scenario_file, browser, variant, status, reason, started_at, ended_at, "
    "duration_s, iterations_planned, iterations_completed, warmup, checkpoint_every, "
    "checkpoint_gc, settle_ms, sample_interval_ms, input_mode, ceiling_bytes, start_url, "
    "browser_version, "
    "driver_version, environment, results_dir, components";
}  // namespace

std::vector<RunInfo> Store::runs() const {
  SQLite::Statement q(impl_->db,
                      fmt::format("SELECT {} FROM runs ORDER BY started_at, id", kRunColumns));
  std::vector<RunInfo> out;
  while (q.executeStep()) out.push_back(read_run_row(q));
  return out;
}

std::optional<RunInfo> Store::run(const std::string& run_id) const {
  SQLite::Statement q(impl_->db, fmt::format("SELECT {} FROM runs WHERE id = ?", kRunColumns));
  q.bind(1, run_id);
  if (!q.executeStep()) return std::nullopt;
  return read_run_row(q);
}

std::vector<IterationRecord> Store::iterations(const std::string& run_id) const {
  SQLite::Statement q(impl_->db,
                      "SELECT n, started_ms, ended_ms, ok FROM iterations WHERE run_id = ? "
                      "ORDER BY n");
  q.bind(1, run_id);
  std::vector<IterationRecord> out;
  while (q.executeStep()) {
    out.push_back({q.getColumn(0).getInt(), q.getColumn(1).getInt64(), q.getColumn(2).getInt64(),
                   q.getColumn(3).getInt() != 0});
  }
  return out;
}

std::vector<CheckpointRecord> Store::checkpoints(const std::string& run_id) const {
  SQLite::Statement q(impl_->db,
                      "SELECT iteration, t_ms, gc, metric, value FROM checkpoints WHERE run_id = ? "
                      "ORDER BY iteration");
  q.bind(1, run_id);
  std::vector<CheckpointRecord> out;
  while (q.executeStep()) {
    const int iteration = q.getColumn(0).getInt();
    if (out.empty() || out.back().iteration != iteration) {
      CheckpointRecord c;
      c.iteration = iteration;
      c.t_ms = q.getColumn(1).getInt64();
      c.gc = q.getColumn(2).getInt() != 0;
      out.push_back(std::move(c));
    }
    out.back().metrics[q.getColumn(3).getString()] = q.getColumn(4).getDouble();
  }
  return out;
}

std::vector<EventRecord> Store::events(const std::string& run_id) const {
  SQLite::Statement q(impl_->db,
                      "SELECT t_ms, iteration, kind, message, details FROM events WHERE run_id = ? "
                      "ORDER BY t_ms");
  q.bind(1, run_id);
  std::vector<EventRecord> out;
  while (q.executeStep()) {
    EventRecord e;
    e.t_ms = q.getColumn(0).getInt64();
    e.iteration = q.getColumn(1).getInt();
    e.kind = column_text(q, 2);
    e.message = column_text(q, 3);
    json details = json::parse(column_text(q, 4), nullptr, false);
    if (!details.is_discarded()) e.details = details;
    out.push_back(std::move(e));
  }
  return out;
}

std::vector<SampleBatch> Store::samples(const std::string& run_id) const {
  SQLite::Statement q(impl_->db,
                      "SELECT t_ms, iteration, pid, role, subtype, rss_bytes, private_bytes, "
                      "virtual_bytes FROM samples WHERE run_id = ? ORDER BY t_ms, rowid");
  q.bind(1, run_id);
  std::vector<SampleBatch> out;
  while (q.executeStep()) {
    const std::int64_t t_ms = q.getColumn(0).getInt64();
    if (out.empty() || out.back().t_ms != t_ms) {
      out.push_back(SampleBatch{t_ms, q.getColumn(1).getInt(), {}});
    }
    ProcessReading p;
    p.pid = q.getColumn(2).getInt64();
    p.role = role_from_name(column_text(q, 3));
    p.subtype = column_text(q, 4);
    p.rss_bytes = static_cast<std::uint64_t>(q.getColumn(5).getInt64());
    p.private_bytes = static_cast<std::uint64_t>(q.getColumn(6).getInt64());
    p.virtual_bytes = static_cast<std::uint64_t>(q.getColumn(7).getInt64());
    out.back().processes.push_back(std::move(p));
  }
  return out;
}

std::string Store::run_summary_json(const std::string& run_id) const {
  SQLite::Statement q(impl_->db, "SELECT summary FROM runs WHERE id = ?");
  q.bind(1, run_id);
  if (!q.executeStep() || q.getColumn(0).isNull()) return {};
  return q.getColumn(0).getString();
}

std::size_t Store::sample_count(const std::string& run_id) const {
  SQLite::Statement q(impl_->db, "SELECT COUNT(*) FROM samples WHERE run_id = ?");
  q.bind(1, run_id);
  q.executeStep();
  return static_cast<std::size_t>(q.getColumn(0).getInt64());
}

}  // namespace harness
