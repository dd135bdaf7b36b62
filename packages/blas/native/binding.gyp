{
  "targets": [
    {
      "target_name": "environment",
      "sources": ["environment.c"],
      "cflags": ["-O2", "-Wall", "-Wextra"]
    },
    {
      "target_name": "openblas",
      "sources": ["openblas.c", "adam.c"],
      "libraries": ["-lopenblas"],
      "cflags": ["-O3", "-fno-math-errno", "-ffp-contract=off", "-Wall", "-Wextra"],
      "xcode_settings": { "OTHER_CFLAGS": ["-O3", "-fno-math-errno", "-ffp-contract=off"] }
    }
  ]
}
