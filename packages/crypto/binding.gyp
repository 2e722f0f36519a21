{
  "targets": [
    {
      "target_name": "fedgrid_native",
      "sources": [
        "native/module.c",
        "native/modarith.c",
        "native/modarith_ifma.c",
        "native/x25519.c",
        "native/x25519_ifma.c",
        "native/sm2.c",
        "native/sm2_ifma.c",
        "native/sm3.c"
      ],
      "cflags": ["-O3", "-std=gnu11", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "cflags!": ["-fno-strict-aliasing"],
      "xcode_settings": { "OTHER_CFLAGS": ["-O3", "-std=gnu11"] }
    }
  ]
}
