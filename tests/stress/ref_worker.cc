// A worker process for the store's crash and concurrency tests
// (crash_test.py, cas_race_test.py). It drives the public Store API the way
// clivec does and reports on stdout, one line per event, flushed at once so
// that a SIGKILL never hides an acknowledged transaction.
//
//   ref_worker crash STORE           forever: write blob "txn <i>", then move
//                                    refs/crash/r0..r7 to it in ONE UpdateRefs
//                                    (compare-and-swap on the previous value);
//                                    print "ack <i>" after it returns.
//   ref_worker check STORE           reopen; verify the 8 refs agree and print
//                                    "txn <i>" (or "empty"); exit 1 if torn.
//   ref_worker cas STORE ID N        N times: read refs/race/counter, write
//                                    blob "<k+1>", CAS the ref from <k> to it;
//                                    on "ref changed" retry. Prints
//                                    "lost <count> <first message>" at the end.
//   ref_worker value STORE REF       print the blob REF points at.
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <iostream>
#include <string>
#include <vector>

#include "clive/store/store.h"

namespace {

using clive::Status;
using clive::store::ObjectId;
using clive::store::ObjectType;
using clive::store::RefUpdate;
using clive::store::Store;

constexpr int kRefs = 8;

std::string RefName(int i) { return "refs/crash/r" + std::to_string(i); }

int Die(const Status& status) {
  std::cerr << "ref_worker: " << status.message() << "\n";
  return 2;
}

std::unique_ptr<Store> OpenOrDie(const char* dir) {
  auto store = Store::Open(dir);
  if (!store.ok()) {
    Die(store.status());
    std::exit(2);
  }
  return std::move(*store);
}

std::string BlobText(Store& store, const ObjectId& id) {
  auto object = store.ReadObject(id);
  return object.ok() ? object->data : "<unreadable " + id.Hex() + ">";
}

int Crash(const char* dir) {
  auto store = OpenOrDie(dir);
  std::vector<std::optional<ObjectId>> current(kRefs);
  for (int r = 0; r < kRefs; ++r) {
    auto id = store->ReadRef(RefName(r));
    if (id.ok()) current[r] = *id;
  }
  for (long i = 1;; ++i) {
    auto blob = store->WriteObject(ObjectType::kBlob, "txn " + std::to_string(i) + " " +
                                                          std::to_string(std::rand()));
    if (!blob.ok()) return Die(blob.status());
    std::vector<RefUpdate> updates;
    for (int r = 0; r < kRefs; ++r) {
      RefUpdate u;
      u.name = RefName(r);
      u.new_id = *blob;
      u.expect = current[r] ? RefUpdate::Expect::kValue : RefUpdate::Expect::kAbsent;
      if (current[r]) u.old_id = *current[r];
      updates.push_back(u);
    }
    if (Status s = store->UpdateRefs(updates, "crash test"); !s.ok()) return Die(s);
    for (auto& c : current) c = *blob;
    std::printf("ack %s\n", BlobText(*store, *blob).c_str());
    std::fflush(stdout);
  }
}

int Check(const char* dir) {
  auto store = OpenOrDie(dir);
  std::optional<ObjectId> first;
  bool any = false, missing = false;
  for (int r = 0; r < kRefs; ++r) {
    auto id = store->ReadRef(RefName(r));
    if (!id.ok()) {
      if (!id.status().IsNotFound()) return Die(id.status());
      missing = true;
      continue;
    }
    any = true;
    if (first && *first != *id) {
      std::printf("torn: %s differs from r0\n", RefName(r).c_str());
      return 1;
    }
    first = *id;
  }
  if (any && missing) {
    std::printf("torn: some refs exist, others do not\n");
    return 1;
  }
  std::printf("%s\n", any ? BlobText(*store, *first).c_str() : "empty");
  return 0;
}

int Cas(const char* dir, int worker, int rounds) {
  auto store = OpenOrDie(dir);
  const std::string ref = "refs/race/counter";
  long lost = 0;
  std::string first_message;
  for (int done = 0; done < rounds;) {
    auto current = store->ReadRef(ref);
    if (!current.ok() && !current.status().IsNotFound()) return Die(current.status());
    long value = current.ok() ? std::stol(BlobText(*store, *current)) : 0;
    auto next = store->WriteObject(ObjectType::kBlob, std::to_string(value + 1));
    if (!next.ok()) return Die(next.status());
    RefUpdate u;
    u.name = ref;
    u.new_id = *next;
    u.expect = current.ok() ? RefUpdate::Expect::kValue : RefUpdate::Expect::kAbsent;
    if (current.ok()) u.old_id = *current;
    Status s = store->UpdateRefs({u}, "worker " + std::to_string(worker));
    if (s.IsRefChanged()) {
      if (first_message.empty()) first_message = s.message();
      ++lost;
      continue;
    }
    if (!s.ok()) return Die(s);
    ++done;
  }
  std::printf("lost %ld %s\n", lost, first_message.c_str());
  return 0;
}

int PrintValue(const char* dir, const char* ref) {
  auto store = OpenOrDie(dir);
  auto id = store->ReadRef(ref);
  if (!id.ok()) return Die(id.status());
  std::printf("%s\n", BlobText(*store, *id).c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "crash" && argc == 3) return Crash(argv[2]);
  if (mode == "check" && argc == 3) return Check(argv[2]);
  if (mode == "value" && argc == 4) return PrintValue(argv[2], argv[3]);
  if (mode == "cas" && argc == 5) return Cas(argv[2], std::atoi(argv[3]), std::atoi(argv[4]));
  std::cerr << "usage: ref_worker crash|check STORE | cas STORE ID ROUNDS\n";
  return 2;
}
