// N-API surface of the segment core. Arguments are validated in TypeScript (native/index.ts);
// here they are only type-checked. Long work (building, batch search) runs in AsyncWorkers
// that hold shared pointers to immutable segments and references to frozen input buffers,
// and never touch JS values inside Execute.
#include <napi.h>

#include <cstring>
#include <unordered_map>

#include "segment.h"

namespace tiphash {
namespace {

struct AddonData {
  Napi::FunctionReference segment;
  Napi::FunctionReference set;
};

void load(const Napi::Value& v, uint64_t q[kWords]) {
  auto bytes = v.As<Napi::Uint8Array>();
  if (bytes.ByteLength() != kWords * 8) throw Napi::TypeError::New(v.Env(), "Expected a 32-byte hash");
  std::memcpy(q, bytes.Data(), kWords * 8);
}

// A frozen run of entries owned by JS (TypeScript never writes it after handing it over).
struct Raw {
  Napi::ObjectReference idsRef, hashesRef;
  const uint32_t* ids = nullptr;
  const uint8_t* hashes = nullptr;
  uint32_t count = 0;
  uint32_t gen = 0;
  std::vector<uint64_t> aligned;  // filled in Execute when the bytes are not 8-byte aligned

  const uint64_t* words() {
    if (reinterpret_cast<uintptr_t>(hashes) % 8 == 0) return reinterpret_cast<const uint64_t*>(hashes);
    if (aligned.empty()) {
      aligned.resize(size_t(count) * kWords);
      std::memcpy(aligned.data(), hashes, size_t(count) * kWords * 8);
    }
    return aligned.data();
  }
};

std::vector<Raw> readRaws(const Napi::Value& v) {
  auto arr = v.As<Napi::Array>();
  std::vector<Raw> raws(arr.Length());
  for (uint32_t i = 0; i < arr.Length(); i++) {
    auto o = arr.Get(i).As<Napi::Object>();
    auto ids = o.Get("ids").As<Napi::Uint32Array>();
    auto hashes = o.Get("hashes").As<Napi::Uint8Array>();
    if (hashes.ByteLength() < ids.ElementLength() * kWords * 8)
      throw Napi::TypeError::New(v.Env(), "Expected 32 bytes of hashes per id");
    raws[i].idsRef = Napi::Persistent(o.Get("ids").As<Napi::Object>());
    raws[i].hashesRef = Napi::Persistent(o.Get("hashes").As<Napi::Object>());
    raws[i].ids = ids.Data();
    raws[i].hashes = hashes.Data();
    raws[i].count = uint32_t(ids.ElementLength());
  }
  return raws;
}

class SegmentObj : public Napi::ObjectWrap<SegmentObj> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "Segment",
                       {InstanceAccessor<&SegmentObj::Size>("size"), InstanceAccessor<&SegmentObj::Bytes>("bytes")});
  }
  static Napi::Object Wrap(Napi::Env env, SegmentPtr s) {
    auto o = env.GetInstanceData<AddonData>()->segment.New({});
    Unwrap(o)->seg = std::move(s);
    return o;
  }
  explicit SegmentObj(const Napi::CallbackInfo& info) : ObjectWrap(info) {}
  SegmentPtr seg;

 private:
  Napi::Value Size(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), seg ? seg->n : 0); }
  Napi::Value Bytes(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), double(seg ? seg->bytes() : 0));
  }
};

std::vector<SegmentPtr> readSegments(const Napi::Value& v) {
  auto arr = v.As<Napi::Array>();
  std::vector<SegmentPtr> segs;
  auto& ctor = v.Env().GetInstanceData<AddonData>()->segment;
  for (uint32_t i = 0; i < arr.Length(); i++) {
    auto o = arr.Get(i).As<Napi::Object>();
    if (!o.InstanceOf(ctor.Value())) throw Napi::TypeError::New(v.Env(), "Expected a Segment");
    segs.push_back(SegmentObj::Unwrap(o)->seg);
  }
  return segs;
}

std::vector<uint32_t> copyU32(const Napi::Value& v) {
  auto a = v.As<Napi::Uint32Array>();
  return std::vector<uint32_t>(a.Data(), a.Data() + a.ElementLength());
}

// Builds one segment from built segments and raw runs, dropping entries hidden by tombstones:
// an entry is hidden when its id has a tombstone newer than the generation of its source.
class CompactWorker : public Napi::AsyncWorker {
 public:
  CompactWorker(Napi::Env env, std::vector<SegmentPtr> segs, std::vector<uint32_t> segGens, std::vector<Raw> raws,
                std::vector<uint32_t> rawGens, std::vector<uint32_t> tombIds, std::vector<uint32_t> tombGens)
      : AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)), segs_(std::move(segs)),
        segGens_(std::move(segGens)), raws_(std::move(raws)), rawGens_(std::move(rawGens)),
        tombIds_(std::move(tombIds)), tombGens_(std::move(tombGens)) {}
  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override {
    try {
      std::unordered_map<uint32_t, uint32_t> tomb;
      for (size_t i = 0; i < tombIds_.size(); i++) tomb[tombIds_[i]] = tombGens_[i];
      std::vector<std::vector<uint8_t>> hidden;
      auto mask = [&](const uint32_t* ids, uint32_t count, uint32_t gen) -> const uint8_t* {
        if (tomb.empty()) return nullptr;
        hidden.emplace_back(count);
        for (uint32_t i = 0; i < count; i++) {
          auto t = tomb.find(ids[i]);
          hidden.back()[i] = t != tomb.end() && t->second > gen;
        }
        return hidden.back().data();
      };
      hidden.reserve(segs_.size() + raws_.size());
      std::vector<Source> sources;
      for (size_t i = 0; i < segs_.size(); i++) {
        const Segment& s = *segs_[i];
        sources.push_back({s.ids.data(), s.hashes.data(), s.n, mask(s.ids.data(), s.n, segGens_[i])});
      }
      for (size_t i = 0; i < raws_.size(); i++) {
        Raw& r = raws_[i];
        sources.push_back({r.ids, r.words(), r.count, mask(r.ids, r.count, rawGens_[i])});
      }
      result_ = buildSegment(sources);
    } catch (const std::exception& e) {
      SetError(e.what());
    }
  }
  void OnOK() override { deferred_.Resolve(SegmentObj::Wrap(Env(), std::move(result_))); }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  std::vector<SegmentPtr> segs_;
  std::vector<uint32_t> segGens_;
  std::vector<Raw> raws_;
  std::vector<uint32_t> rawGens_, tombIds_, tombGens_;
  SegmentPtr result_;
};

// compact(segments, segmentGens, raws, rawGens, tombIds, tombGens) -> Promise<Segment>
Napi::Value Compact(const Napi::CallbackInfo& info) {
  auto* w = new CompactWorker(info.Env(), readSegments(info[0]), copyU32(info[1]), readRaws(info[2]), copyU32(info[3]),
                              copyU32(info[4]), copyU32(info[5]));
  auto promise = w->Promise();
  w->Queue();
  return promise;
}

// Hits go out as pairs [id, distance | tag << 16]; tag says which source the hit came from.
void emit(const std::vector<Hit>& hits, const uint32_t* ids, uint32_t tag, std::vector<uint32_t>& out) {
  for (const Hit& h : hits) {
    out.push_back(ids[h.pos]);
    out.push_back(h.dist | tag << 16);
  }
}

class BatchWorker : public Napi::AsyncWorker {
 public:
  BatchWorker(Napi::Env env, std::vector<SegmentPtr> segs, std::vector<uint64_t> queries, int radius,
              std::vector<Raw> raws)
      : AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)), segs_(std::move(segs)),
        queries_(std::move(queries)), radius_(radius), raws_(std::move(raws)) {}
  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override {
    try {
      Scratch scratch;
      const size_t nq = queries_.size() / kWords;
      counts_.resize(nq);
      for (size_t i = 0; i < nq; i++) {
        const uint64_t* q = queries_.data() + i * kWords;
        const size_t before = out_.size();
        for (size_t s = 0; s < segs_.size(); s++) {
          scratch.hits.clear();
          searchSegment(*segs_[s], q, radius_, scratch);
          emit(scratch.hits, segs_[s]->ids.data(), uint32_t(s), out_);
        }
        for (size_t r = 0; r < raws_.size(); r++) {
          scratch.hits.clear();
          bruteForce(raws_[r].words(), raws_[r].count, q, radius_, scratch.hits);
          emit(scratch.hits, raws_[r].ids, uint32_t(segs_.size() + r), out_);
        }
        counts_[i] = uint32_t((out_.size() - before) / 2);
      }
    } catch (const std::exception& e) {
      SetError(e.what());
    }
  }
  void OnOK() override {
    Napi::Env env = Env();
    auto counts = Napi::Uint32Array::New(env, counts_.size());
    std::copy(counts_.begin(), counts_.end(), counts.Data());
    auto hits = Napi::Uint32Array::New(env, out_.size());
    std::copy(out_.begin(), out_.end(), hits.Data());
    auto result = Napi::Object::New(env);
    result.Set("counts", counts);
    result.Set("hits", hits);
    deferred_.Resolve(result);
  }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  std::vector<SegmentPtr> segs_;
  std::vector<uint64_t> queries_;
  int radius_;
  std::vector<Raw> raws_;
  std::vector<uint32_t> counts_, out_;
};

// Writes pairs into out from pair index `start`, as far as it has room; returns the new total.
uint32_t writeOut(const Napi::Value& v, uint32_t start, const std::vector<uint32_t>& pairs) {
  auto out = v.As<Napi::Uint32Array>();
  const size_t room = out.ElementLength() / 2;
  for (size_t i = 0; i < pairs.size() / 2 && start + i < room; i++) {
    out[(start + i) * 2] = pairs[i * 2];
    out[(start + i) * 2 + 1] = pairs[i * 2 + 1];
  }
  return start + uint32_t(pairs.size() / 2);
}

class SetObj : public Napi::ObjectWrap<SetObj> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "SegmentSet",
                       {InstanceMethod<&SetObj::Search>("search"), InstanceMethod<&SetObj::SearchBatch>("searchBatch")});
  }
  explicit SetObj(const Napi::CallbackInfo& info) : ObjectWrap(info), segs_(readSegments(info[0])) {}

 private:
  // search(query, radius, out, start) -> total hits; synchronous: a query takes microseconds.
  Napi::Value Search(const Napi::CallbackInfo& info) {
    uint64_t q[kWords];
    load(info[0], q);
    const int radius = info[1].As<Napi::Number>().Int32Value();
    const uint32_t start = info[3].As<Napi::Number>().Uint32Value();
    pairs_.clear();
    for (size_t s = 0; s < segs_.size(); s++) {
      scratch_.hits.clear();
      searchSegment(*segs_[s], q, radius, scratch_);
      emit(scratch_.hits, segs_[s]->ids.data(), uint32_t(s), pairs_);
    }
    return Napi::Number::New(info.Env(), writeOut(info[2], start, pairs_));
  }
  // searchBatch(queries, radius, raws) -> Promise<{counts, hits}>
  Napi::Value SearchBatch(const Napi::CallbackInfo& info) {
    auto qs = info[0].As<Napi::Uint8Array>();
    std::vector<uint64_t> queries(qs.ByteLength() / 8);
    std::memcpy(queries.data(), qs.Data(), queries.size() * 8);
    auto* w = new BatchWorker(info.Env(), segs_, std::move(queries), info[1].As<Napi::Number>().Int32Value(),
                              readRaws(info[2]));
    auto promise = w->Promise();
    w->Queue();
    return promise;
  }

  std::vector<SegmentPtr> segs_;
  Scratch scratch_;
  std::vector<uint32_t> pairs_;
};

// brute(ids, hashes, count, query, radius, out, start, tag) -> total hits
Napi::Value Brute(const Napi::CallbackInfo& info) {
  auto ids = info[0].As<Napi::Uint32Array>();
  auto hashes = info[1].As<Napi::Uint8Array>();
  const uint32_t count = info[2].As<Napi::Number>().Uint32Value();
  if (count > ids.ElementLength() || size_t(count) * kWords * 8 > hashes.ByteLength())
    throw Napi::RangeError::New(info.Env(), "count exceeds the arrays");
  uint64_t q[kWords];
  load(info[3], q);
  static thread_local std::vector<uint64_t> aligned;  // thread_local: Node workers may load the addon too
  const uint64_t* words = reinterpret_cast<const uint64_t*>(hashes.Data());
  if (reinterpret_cast<uintptr_t>(words) % 8) {
    aligned.assign(size_t(count) * kWords, 0);
    std::memcpy(aligned.data(), hashes.Data(), size_t(count) * kWords * 8);
    words = aligned.data();
  }
  static thread_local std::vector<Hit> hits;
  static thread_local std::vector<uint32_t> pairs;
  hits.clear();
  pairs.clear();
  bruteForce(words, count, q, info[4].As<Napi::Number>().Int32Value(), hits);
  emit(hits, ids.Data(), info[7].As<Napi::Number>().Uint32Value(), pairs);
  return Napi::Number::New(info.Env(), writeOut(info[5], info[6].As<Napi::Number>().Uint32Value(), pairs));
}

}  // namespace

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  auto* data = new AddonData();
  auto segment = SegmentObj::Define(env);
  auto set = SetObj::Define(env);
  data->segment = Napi::Persistent(segment);
  data->set = Napi::Persistent(set);
  env.SetInstanceData(data);
  exports.Set("Segment", segment);
  exports.Set("SegmentSet", set);
  exports.Set("compact", Napi::Function::New<Compact>(env, "compact"));
  exports.Set("brute", Napi::Function::New<Brute>(env, "brute"));
  exports.Set("simd", Napi::String::New(env, simdLevel()));
  return exports;
}

}  // namespace tiphash

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) { return tiphash::Init(env, exports); }
NODE_API_MODULE(tiphash_native, InitAddon)
