// Runs a libFuzzer target without libFuzzer (for compilers without
// -fsanitize=fuzzer, and for CTest): every file of the given corpus
// directories is fed to LLVMFuzzerTestOneInput, then `--mutations N`
// deterministic random mutations of each (byte flips, insertions, deletions,
// splices of two inputs). A crash or sanitizer report fails the run; with
// clang, -DCLIVE_FUZZ=ON builds the same targets for real coverage-guided
// fuzzing.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

std::vector<std::string> ReadCorpus(const std::vector<std::string>& dirs) {
  std::vector<std::string> inputs;
  for (const auto& dir : dirs) {
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
      if (entry.is_regular_file()) files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());  // deterministic order
    for (const auto& f : files) {
      std::ifstream in(f, std::ios::binary);
      inputs.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
  }
  return inputs;
}

std::string Mutate(const std::string& input, const std::vector<std::string>& corpus,
                   std::mt19937_64& rng) {
  std::string out = input;
  int edits = 1 + static_cast<int>(rng() % 8);
  for (int e = 0; e < edits; ++e) {
    size_t at = out.empty() ? 0 : rng() % (out.size() + 1);
    switch (rng() % 5) {
      case 0:
        if (!out.empty() && at < out.size()) out[at] = static_cast<char>(out[at] ^ (1u << (rng() % 8)));
        break;
      case 1: out.insert(out.begin() + static_cast<long>(at), static_cast<char>(rng() % 256)); break;
      case 2:
        if (at < out.size()) out.erase(at, 1 + rng() % std::min<size_t>(16, out.size() - at));
        break;
      case 3: {  // splice in a piece of another input
        const std::string& other = corpus[rng() % corpus.size()];
        if (other.empty()) break;
        size_t from = rng() % other.size();
        out.insert(at, other.substr(from, 1 + rng() % 64));
        break;
      }
      case 4:  // duplicate a run (grows nesting and repetition)
        if (at < out.size()) out.insert(at, out.substr(at, 1 + rng() % 32));
        break;
    }
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> dirs;
  long mutations = 0;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--mutations" && i + 1 < argc) {
      mutations = std::atol(argv[++i]);
    } else {
      dirs.push_back(arg);
    }
  }
  std::vector<std::string> corpus = ReadCorpus(dirs);
  if (corpus.empty()) {
    std::fprintf(stderr, "standalone fuzz driver: no inputs in the given directories\n");
    return 2;
  }
  std::mt19937_64 rng(20261124);
  size_t runs = 0;
  for (const auto& input : corpus) {
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()), input.size());
    ++runs;
    for (long m = 0; m < mutations; ++m) {
      std::string mutated = Mutate(input, corpus, rng);
      LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(mutated.data()), mutated.size());
      ++runs;
    }
  }
  std::printf("%zu inputs run without a crash (%zu seeds)\n", runs, corpus.size());
  return 0;
}
