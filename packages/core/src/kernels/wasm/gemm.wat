;; Packed, register-tiled matrix product C = op(A)·op(B) in float64 with WebAssembly SIMD.
;;
;; Assembled by scripts/build-wasm.mjs into gemm.generated.ts; driven by gemmWasm in ../matmul.ts,
;; which copies the operands into this module's memory, calls `gemm`, and copies C back out.
;; All pointers are byte offsets into the imported memory; JS grows it to `workspace_bytes` plus
;; the operands before each call. The build also emits a copy whose memory is shared, which
;; ../threads.ts instantiates once per thread over one memory: each thread then runs `gemm_range`
;; on its own block of C with its own scratch.
;;
;; Structure (BLIS/GotoBLAS loop order):
;;
;;   for jc over n in blocks of NC:              packed B block (kc × nc) stays in L3
;;     for pc over k in blocks of kc ≤ KC:
;;       pack op(B)[pc.., jc..] into 4-column strips
;;       for ic over m in blocks of MC:          packed A block (mc × kc) stays in L2
;;         pack op(A)[ic.., pc..] into 4-row strips
;;         for jr over the block's columns by 4:  one B strip (kc × 4 = 8 KiB) stays in L1
;;           for ir over the block's rows by 4:
;;             4×4 micro-kernel: C tile (+)= A strip · B strip
;;
;; Why a 4×4 tile of C: the x64 code V8 generates has 15 allocatable xmm registers (xmm15 is its
;; scratch), and TurboFan hoists every load of a loop iteration to its top. A 4×4 tile needs
;; 8 accumulators + 2 B vectors + 4 broadcast A values + 1 product temporary = 15, so the loop runs
;; without spills; 6×4, 5×4, 4×6, 3×8 and a 2×-unrolled 4×4 all spilled and measured 25–50%
;; slower, 2×8 (also 15 registers) was a little slower than 4×4, 3×4 and 4×2 clearly slower.
;; There is no FMA (relaxed SIMD is not assumed), so each step is 8 f64x2.mul + 8 f64x2.add.
;;
;; Numerics: every element of C is summed over p in increasing order within a depth block, one
;; rounded multiply and one rounded add per term, starting from 0, and blocks are added to C in
;; order; the depth blocks are the same as the TypeScript kernel's (KC = 256, split evenly). So
;; results are bit-identical to gemmJs in ../matmul.ts. Keep KC and the split in step with it.

(module
;; At most 32767 pages (2 GiB less a page, WASM_MAX_BYTES in load.ts): a shared memory needs a maximum.
  (import "env" "memory" (memory 1 32767))

  ;; Rows of op(A) per packed block: 128 × 256 doubles = 256 KiB, half of this machine's L2.
  (global $MC i32 (i32.const 128))
  ;; Maximum depth of a block (must match KC in ../matmul.ts, see Numerics above).
  (global $KC i32 (i32.const 256))
  ;; Columns of op(B) per packed block: 256 × 2048 doubles = 4 MiB, a share of L3.
  (global $NC i32 (i32.const 2048))

  ;; Depth of the blocks k is cut into: k split evenly into ceil(k / KC) blocks (the last one may
  ;; be shorter), so a 784-deep product runs as 4 × 196 rather than 3 × 256 + 16.
  (func $blockDepth (param $k i32) (result i32)
    (local $blocks i32)
    (local.set $blocks
      (i32.div_u (i32.add (local.get $k) (i32.sub (global.get $KC) (i32.const 1))) (global.get $KC)))
    (i32.div_u (i32.add (local.get $k) (i32.sub (local.get $blocks) (i32.const 1))) (local.get $blocks)))

  ;; min(x, y) rounded up to a multiple of 4 (a packed block's width in lanes).
  (func $paddedMin (param $x i32) (param $y i32) (result i32)
    (i32.and
      (i32.add (select (local.get $x) (local.get $y) (i32.lt_u (local.get $x) (local.get $y))) (i32.const 3))
      (i32.const -4)))

  ;; Bytes of scratch `gemm` needs at `work` for an m×n×k product: the packed A and B blocks and
  ;; one 4×4 tile for ragged edges.
  (func (export "workspace_bytes") (param $m i32) (param $n i32) (param $k i32) (result i32)
    (i32.add
      (i32.shl
        (i32.mul
          (call $blockDepth (local.get $k))
          (i32.add (call $paddedMin (local.get $m) (global.get $MC)) (call $paddedMin (local.get $n) (global.get $NC))))
        (i32.const 3))
      (i32.const 128)))

  ;; Packs one strip: dst[4p + l] = src[l·laneStride + p·depthStride] for p < depth and l < lanes
  ;; (lanes ≤ 4), and 0 for lanes ≤ l < 4, so the micro-kernel never needs an edge case. Strides
  ;; are in bytes; they absorb the transposes, so all four variants share one micro-kernel.
  (func $pack4 (param $src i32) (param $laneStride i32) (param $depthStride i32)
      (param $lanes i32) (param $depth i32) (param $dst i32)
    (local $end i32) (local $lane i32) (local $s i32) (local $d i32)
    (local.set $end (i32.add (local.get $dst) (i32.shl (local.get $depth) (i32.const 5))))
    ;; Four adjacent lanes (row-major B, or Aᵀ): each depth step is one 32-byte copy.
    (if (i32.and (i32.eq (local.get $lanes) (i32.const 4)) (i32.eq (local.get $laneStride) (i32.const 8)))
      (then
        (local.set $s (local.get $src))
        (local.set $d (local.get $dst))
        (loop $vector
          (v128.store (local.get $d) (v128.load (local.get $s)))
          (v128.store offset=16 (local.get $d) (v128.load offset=16 (local.get $s)))
          (local.set $s (i32.add (local.get $s) (local.get $depthStride)))
          (br_if $vector (i32.lt_u (local.tee $d (i32.add (local.get $d) (i32.const 32))) (local.get $end))))
        (return)))
    ;; General case, one lane at a time (a lane is contiguous in memory for row-major A and Bᵀ).
    (loop $eachLane
      (local.set $d (i32.add (local.get $dst) (i32.shl (local.get $lane) (i32.const 3))))
      (if (i32.lt_u (local.get $lane) (local.get $lanes))
        (then
          (local.set $s (i32.add (local.get $src) (i32.mul (local.get $lane) (local.get $laneStride))))
          (loop $copy
            (f64.store (local.get $d) (f64.load (local.get $s)))
            (local.set $s (i32.add (local.get $s) (local.get $depthStride)))
            (br_if $copy (i32.lt_u (local.tee $d (i32.add (local.get $d) (i32.const 32))) (local.get $end)))))
        (else
          (loop $zero
            (f64.store (local.get $d) (f64.const 0))
            (br_if $zero (i32.lt_u (local.tee $d (i32.add (local.get $d) (i32.const 32))) (local.get $end))))))
      (br_if $eachLane (i32.lt_u (local.tee $lane (i32.add (local.get $lane) (i32.const 1))) (i32.const 4)))))

  ;; The micro-kernel: the 4×4 tile at c (row pitch ldc bytes) = Σₚ a[4p + r]·b[4p + j] over
  ;; p < depth (depth ≥ 1), or += that sum when `accumulate`. a and b are packed strips.
  ;; Accumulator cRJ holds C[r][j], C[r][j+1]; each step broadcasts one A value per row and
  ;; multiplies it by the two B vectors.
  (func $kernel4x4 (param $a i32) (param $b i32) (param $depth i32)
      (param $c i32) (param $ldc i32) (param $accumulate i32)
    (local $c00 v128) (local $c02 v128)
    (local $c10 v128) (local $c12 v128)
    (local $c20 v128) (local $c22 v128)
    (local $c30 v128) (local $c32 v128)
    (local $b01 v128) (local $b23 v128) (local $ar v128) (local $aEnd i32)
    (local.set $aEnd (i32.add (local.get $a) (i32.shl (local.get $depth) (i32.const 5))))
    (loop $step
      (local.set $b01 (v128.load (local.get $b)))
      (local.set $b23 (v128.load offset=16 (local.get $b)))
      (local.set $ar (v128.load64_splat (local.get $a)))
      (local.set $c00 (f64x2.add (local.get $c00) (f64x2.mul (local.get $ar) (local.get $b01))))
      (local.set $c02 (f64x2.add (local.get $c02) (f64x2.mul (local.get $ar) (local.get $b23))))
      (local.set $ar (v128.load64_splat offset=8 (local.get $a)))
      (local.set $c10 (f64x2.add (local.get $c10) (f64x2.mul (local.get $ar) (local.get $b01))))
      (local.set $c12 (f64x2.add (local.get $c12) (f64x2.mul (local.get $ar) (local.get $b23))))
      (local.set $ar (v128.load64_splat offset=16 (local.get $a)))
      (local.set $c20 (f64x2.add (local.get $c20) (f64x2.mul (local.get $ar) (local.get $b01))))
      (local.set $c22 (f64x2.add (local.get $c22) (f64x2.mul (local.get $ar) (local.get $b23))))
      (local.set $ar (v128.load64_splat offset=24 (local.get $a)))
      (local.set $c30 (f64x2.add (local.get $c30) (f64x2.mul (local.get $ar) (local.get $b01))))
      (local.set $c32 (f64x2.add (local.get $c32) (f64x2.mul (local.get $ar) (local.get $b23))))
      (local.set $b (i32.add (local.get $b) (i32.const 32)))
      (br_if $step (i32.lt_u (local.tee $a (i32.add (local.get $a) (i32.const 32))) (local.get $aEnd))))
    (if (local.get $accumulate)
      (then
        (v128.store (local.get $c) (f64x2.add (v128.load (local.get $c)) (local.get $c00)))
        (v128.store offset=16 (local.get $c) (f64x2.add (v128.load offset=16 (local.get $c)) (local.get $c02)))
        (local.set $c (i32.add (local.get $c) (local.get $ldc)))
        (v128.store (local.get $c) (f64x2.add (v128.load (local.get $c)) (local.get $c10)))
        (v128.store offset=16 (local.get $c) (f64x2.add (v128.load offset=16 (local.get $c)) (local.get $c12)))
        (local.set $c (i32.add (local.get $c) (local.get $ldc)))
        (v128.store (local.get $c) (f64x2.add (v128.load (local.get $c)) (local.get $c20)))
        (v128.store offset=16 (local.get $c) (f64x2.add (v128.load offset=16 (local.get $c)) (local.get $c22)))
        (local.set $c (i32.add (local.get $c) (local.get $ldc)))
        (v128.store (local.get $c) (f64x2.add (v128.load (local.get $c)) (local.get $c30)))
        (v128.store offset=16 (local.get $c) (f64x2.add (v128.load offset=16 (local.get $c)) (local.get $c32))))
      (else
        (v128.store (local.get $c) (local.get $c00))
        (v128.store offset=16 (local.get $c) (local.get $c02))
        (local.set $c (i32.add (local.get $c) (local.get $ldc)))
        (v128.store (local.get $c) (local.get $c10))
        (v128.store offset=16 (local.get $c) (local.get $c12))
        (local.set $c (i32.add (local.get $c) (local.get $ldc)))
        (v128.store (local.get $c) (local.get $c20))
        (v128.store offset=16 (local.get $c) (local.get $c22))
        (local.set $c (i32.add (local.get $c) (local.get $ldc)))
        (v128.store (local.get $c) (local.get $c30))
        (v128.store offset=16 (local.get $c) (local.get $c32)))))

  ;; Copies (or adds, when `accumulate`) the top-left rows×cols corner of the 4×4 tile at `tile`
  ;; into C at c (row pitch ldc bytes): the ragged right and bottom edges of C.
  (func $storeEdge (param $tile i32) (param $c i32) (param $ldc i32)
      (param $rows i32) (param $cols i32) (param $accumulate i32)
    (local $r i32) (local $j i32) (local $src i32) (local $dst i32)
    (loop $row
      (local.set $src (i32.add (local.get $tile) (i32.shl (local.get $r) (i32.const 5))))
      (local.set $dst (i32.add (local.get $c) (i32.mul (local.get $r) (local.get $ldc))))
      (local.set $j (i32.const 0))
      (loop $col
        (f64.store (local.get $dst)
          (select
            (f64.add (f64.load (local.get $dst)) (f64.load (local.get $src)))
            (f64.load (local.get $src))
            (local.get $accumulate)))
        (local.set $src (i32.add (local.get $src) (i32.const 8)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 8)))
        (br_if $col (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 1))) (local.get $cols))))
      (br_if $row (i32.lt_u (local.tee $r (i32.add (local.get $r) (i32.const 1))) (local.get $rows)))))

  ;; C = op(A)·op(B), overwriting the m×n row-major matrix at c. A is stored row-major [m, k]
  ;; (or [k, m] when transA), B is [k, n] (or [n, k] when transB). Requires m, n, k ≥ 1 and
  ;; workspace_bytes(m, n, k) bytes of scratch at `work`, not overlapping the operands.
  (func (export "gemm")
      (param $a i32) (param $b i32) (param $c i32)
      (param $m i32) (param $n i32) (param $k i32)
      (param $transA i32) (param $transB i32) (param $work i32)
    (call $gemmRange (local.get $a) (local.get $b) (local.get $c) (local.get $m) (local.get $n) (local.get $k)
      (local.get $transA) (local.get $transB) (local.get $work)
      (i32.const 0) (local.get $m) (i32.const 0) (local.get $n)))

  ;; The block rows [rowStart, rowEnd) × columns [colStart, colEnd) of the same product (non-empty
  ;; ranges within m and n), with workspace_bytes(rowEnd − rowStart, colEnd − colStart, k) bytes of
  ;; scratch at `work`. Each element of C is summed exactly as `gemm` sums it — the depth blocks
  ;; depend on k alone — so threads that split C into blocks produce gemm's result bit for bit.
  (export "gemm_range" (func $gemmRange))
  (func $gemmRange
      (param $a i32) (param $b i32) (param $c i32)
      (param $m i32) (param $n i32) (param $k i32)
      (param $transA i32) (param $transB i32) (param $work i32)
      (param $rowStart i32) (param $rowEnd i32) (param $colStart i32) (param $colEnd i32)
    ;; Byte strides: op(A)[i][p] is at a + i·aRow + p·aDepth, op(B)[p][j] at b + p·bDepth + j·bCol.
    (local $aRow i32) (local $aDepth i32) (local $bDepth i32) (local $bCol i32) (local $ldc i32)
    (local $kcMax i32) (local $packedA i32) (local $packedB i32) (local $tile i32)
    (local $jc i32) (local $nc i32) (local $pc i32) (local $kc i32) (local $ic i32) (local $mc i32)
    (local $jr i32) (local $ir i32) (local $nr i32) (local $mr i32)
    (local $accumulate i32) (local $bStrip i32) (local $cTile i32)

    (local.set $aRow (select (i32.const 8) (i32.shl (local.get $k) (i32.const 3)) (local.get $transA)))
    (local.set $aDepth (select (i32.shl (local.get $m) (i32.const 3)) (i32.const 8) (local.get $transA)))
    (local.set $bDepth (select (i32.const 8) (i32.shl (local.get $n) (i32.const 3)) (local.get $transB)))
    (local.set $bCol (select (i32.shl (local.get $k) (i32.const 3)) (i32.const 8) (local.get $transB)))
    (local.set $ldc (i32.shl (local.get $n) (i32.const 3)))

    ;; Scratch layout (see workspace_bytes): packed B block, packed A block, edge tile.
    (local.set $kcMax (call $blockDepth (local.get $k)))
    (local.set $packedB (local.get $work))
    (local.set $packedA (i32.add (local.get $packedB)
      (i32.shl (i32.mul (local.get $kcMax)
        (call $paddedMin (i32.sub (local.get $colEnd) (local.get $colStart)) (global.get $NC))) (i32.const 3))))
    (local.set $tile (i32.add (local.get $packedA)
      (i32.shl (i32.mul (local.get $kcMax)
        (call $paddedMin (i32.sub (local.get $rowEnd) (local.get $rowStart)) (global.get $MC))) (i32.const 3))))

    (local.set $jc (local.get $colStart))
    (loop $columnBlocks
      (local.set $nc (i32.sub (local.get $colEnd) (local.get $jc)))
      (local.set $nc (select (global.get $NC) (local.get $nc) (i32.gt_u (local.get $nc) (global.get $NC))))
      (local.set $pc (i32.const 0))
      (loop $depthBlocks
        (local.set $kc (i32.sub (local.get $k) (local.get $pc)))
        (local.set $kc (select (local.get $kcMax) (local.get $kc) (i32.gt_u (local.get $kc) (local.get $kcMax))))
        ;; The first depth block overwrites C; later ones add to it.
        (local.set $accumulate (i32.ne (local.get $pc) (i32.const 0)))

        ;; Pack op(B)[pc … pc+kc, jc … jc+nc] as 4-column strips, strip jr at packedB + jr·kc·8.
        (local.set $jr (i32.const 0))
        (loop $packB
          (local.set $nr (i32.sub (local.get $nc) (local.get $jr)))
          (call $pack4
            (i32.add (local.get $b)
              (i32.add (i32.mul (local.get $pc) (local.get $bDepth))
                       (i32.mul (i32.add (local.get $jc) (local.get $jr)) (local.get $bCol))))
            (local.get $bCol) (local.get $bDepth)
            (select (i32.const 4) (local.get $nr) (i32.gt_u (local.get $nr) (i32.const 4)))
            (local.get $kc)
            (i32.add (local.get $packedB) (i32.shl (i32.mul (local.get $jr) (local.get $kc)) (i32.const 3))))
          (br_if $packB (i32.lt_u (local.tee $jr (i32.add (local.get $jr) (i32.const 4))) (local.get $nc))))

        (local.set $ic (local.get $rowStart))
        (loop $rowBlocks
          (local.set $mc (i32.sub (local.get $rowEnd) (local.get $ic)))
          (local.set $mc (select (global.get $MC) (local.get $mc) (i32.gt_u (local.get $mc) (global.get $MC))))

          ;; Pack op(A)[ic … ic+mc, pc … pc+kc] as 4-row strips, strip ir at packedA + ir·kc·8.
          (local.set $ir (i32.const 0))
          (loop $packA
            (local.set $mr (i32.sub (local.get $mc) (local.get $ir)))
            (call $pack4
              (i32.add (local.get $a)
                (i32.add (i32.mul (i32.add (local.get $ic) (local.get $ir)) (local.get $aRow))
                         (i32.mul (local.get $pc) (local.get $aDepth))))
              (local.get $aRow) (local.get $aDepth)
              (select (i32.const 4) (local.get $mr) (i32.gt_u (local.get $mr) (i32.const 4)))
              (local.get $kc)
              (i32.add (local.get $packedA) (i32.shl (i32.mul (local.get $ir) (local.get $kc)) (i32.const 3))))
            (br_if $packA (i32.lt_u (local.tee $ir (i32.add (local.get $ir) (i32.const 4))) (local.get $mc))))

          ;; Sweep the A block past each B strip, so the strip is reused from L1 mc/4 times.
          (local.set $jr (i32.const 0))
          (loop $stripColumns
            (local.set $nr (i32.sub (local.get $nc) (local.get $jr)))
            (local.set $nr (select (i32.const 4) (local.get $nr) (i32.gt_u (local.get $nr) (i32.const 4))))
            (local.set $bStrip (i32.add (local.get $packedB) (i32.shl (i32.mul (local.get $jr) (local.get $kc)) (i32.const 3))))
            (local.set $ir (i32.const 0))
            (loop $stripRows
              (local.set $mr (i32.sub (local.get $mc) (local.get $ir)))
              (local.set $mr (select (i32.const 4) (local.get $mr) (i32.gt_u (local.get $mr) (i32.const 4))))
              (local.set $cTile (i32.add (local.get $c)
                (i32.add (i32.mul (i32.add (local.get $ic) (local.get $ir)) (local.get $ldc))
                         (i32.shl (i32.add (local.get $jc) (local.get $jr)) (i32.const 3)))))
              (if (i32.and (i32.eq (local.get $mr) (i32.const 4)) (i32.eq (local.get $nr) (i32.const 4)))
                (then
                  (call $kernel4x4
                    (i32.add (local.get $packedA) (i32.shl (i32.mul (local.get $ir) (local.get $kc)) (i32.const 3)))
                    (local.get $bStrip) (local.get $kc)
                    (local.get $cTile) (local.get $ldc) (local.get $accumulate)))
                (else
                  ;; Ragged edge: compute the full (zero-padded) tile aside, then keep its valid part.
                  (call $kernel4x4
                    (i32.add (local.get $packedA) (i32.shl (i32.mul (local.get $ir) (local.get $kc)) (i32.const 3)))
                    (local.get $bStrip) (local.get $kc)
                    (local.get $tile) (i32.const 32) (i32.const 0))
                  (call $storeEdge (local.get $tile) (local.get $cTile) (local.get $ldc)
                    (local.get $mr) (local.get $nr) (local.get $accumulate))))
              (br_if $stripRows (i32.lt_u (local.tee $ir (i32.add (local.get $ir) (i32.const 4))) (local.get $mc))))
            (br_if $stripColumns (i32.lt_u (local.tee $jr (i32.add (local.get $jr) (i32.const 4))) (local.get $nc))))
          (br_if $rowBlocks (i32.lt_u (local.tee $ic (i32.add (local.get $ic) (global.get $MC))) (local.get $rowEnd))))
        (br_if $depthBlocks (i32.lt_u (local.tee $pc (i32.add (local.get $pc) (local.get $kc))) (local.get $k))))
      (br_if $columnBlocks (i32.lt_u (local.tee $jc (i32.add (local.get $jc) (global.get $NC))) (local.get $colEnd)))))

  ;; ── Convolution's column matrices (see ../conv.ts) ────────────────────────────────────────────
  ;; The convolution kernels keep a chunk of samples in this memory and run im2col, the products and
  ;; col2im here, so the column matrix (the largest operand) never crosses into JavaScript. Both
  ;; functions are copies and additions in exactly the order of im2col and col2im in ../conv.ts, so
  ;; the results are those of the TypeScript path bit for bit.

  ;; The first output column (of `count`) whose input column o·stride + offset is ≥ 0.
  (func $firstInside (param $offset i32) (param $stride i32) (param $count i32) (result i32)
    (local $lo i32)
    (local.set $lo
      (select (i32.const 0)
        (i32.div_u (i32.add (i32.sub (i32.const 0) (local.get $offset)) (i32.sub (local.get $stride) (i32.const 1))) (local.get $stride))
        (i32.ge_s (local.get $offset) (i32.const 0))))
    (select (local.get $count) (local.get $lo) (i32.gt_u (local.get $lo) (local.get $count))))

  ;; One past the last output column (of `count`, and ≥ lo) whose input column o·stride + offset is < size.
  (func $lastInside (param $offset i32) (param $stride i32) (param $size i32) (param $count i32) (param $lo i32) (result i32)
    (local $room i32) (local $hi i32)
    (local.set $room (i32.sub (i32.sub (local.get $size) (i32.const 1)) (local.get $offset)))
    (local.set $hi
      (select (i32.const 0)
        (i32.add (i32.div_u (local.get $room) (local.get $stride)) (i32.const 1))
        (i32.lt_s (local.get $room) (i32.const 0))))
    (local.set $hi (select (local.get $count) (local.get $hi) (i32.gt_u (local.get $hi) (local.get $count))))
    (select (local.get $lo) (local.get $hi) (i32.lt_u (local.get $hi) (local.get $lo))))

  ;; Zeros `bytes` (a multiple of 8) bytes at p.
  (func $zero (param $p i32) (param $bytes i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $p) (local.get $bytes)))
    (block $done
      (loop $pairs
        (br_if $done (i32.gt_u (i32.add (local.get $p) (i32.const 16)) (local.get $end)))
        (v128.store (local.get $p) (v128.const i64x2 0 0))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $pairs)))
    (if (i32.lt_u (local.get $p) (local.get $end)) (then (f64.store (local.get $p) (f64.const 0)))))

  ;; im2col: cols ([cg·kh·kw, nc·oh·ow] row-major) = every receptive field of nc samples, x pointing
  ;; at channel 0 of the group in the first sample (samples sampleBytes apart, channels h·w·8 bytes
  ;; apart, rows w·8): cols[(c, ki, kj), (s, i, j)] = x[s, c, i·sh + ki·dh − pt, j·sw + kj·dw − pl],
  ;; 0 in the padding.
  (func (export "im2col")
      (param $x i32) (param $cols i32) (param $nc i32) (param $cg i32) (param $sampleBytes i32)
      (param $h i32) (param $w i32) (param $kh i32) (param $kw i32) (param $oh i32) (param $ow i32)
      (param $sh i32) (param $sw i32) (param $dh i32) (param $dw i32) (param $pt i32) (param $pl i32)
    (local $ci i32) (local $ki i32) (local $kj i32) (local $s i32) (local $y i32)
    (local $rowOffset i32) (local $colOffset i32) (local $lo i32) (local $hi i32)
    (local $p i32) (local $plane i32) (local $base i32) (local $ih i32) (local $src i32)
    (local $q i32) (local $qEnd i32) (local $pairEnd i32) (local $rowBytes i32) (local $step i32)
    (local.set $rowBytes (i32.shl (local.get $ow) (i32.const 3)))
    (local.set $step (i32.shl (local.get $sw) (i32.const 3)))
    (local.set $p (local.get $cols))
    (loop $channels
      (local.set $plane (i32.add (local.get $x) (i32.shl (i32.mul (local.get $ci) (i32.mul (local.get $h) (local.get $w))) (i32.const 3))))
      (local.set $ki (i32.const 0))
      (loop $tapRows
        (local.set $rowOffset (i32.sub (i32.mul (local.get $ki) (local.get $dh)) (local.get $pt)))
        (local.set $kj (i32.const 0))
        (loop $tapColumns
          (local.set $colOffset (i32.sub (i32.mul (local.get $kj) (local.get $dw)) (local.get $pl)))
          (local.set $lo (call $firstInside (local.get $colOffset) (local.get $sw) (local.get $ow)))
          (local.set $hi (call $lastInside (local.get $colOffset) (local.get $sw) (local.get $w) (local.get $ow) (local.get $lo)))
          (local.set $s (i32.const 0))
          (loop $samples
            (local.set $base (i32.add (local.get $plane) (i32.mul (local.get $s) (local.get $sampleBytes))))
            (local.set $y (i32.const 0))
            (loop $rows
              (local.set $ih (i32.add (i32.mul (local.get $y) (local.get $sh)) (local.get $rowOffset)))
              (if (i32.or (i32.lt_s (local.get $ih) (i32.const 0)) (i32.ge_s (local.get $ih) (local.get $h)))
                (then (call $zero (local.get $p) (local.get $rowBytes)))
                (else
                  (call $zero (local.get $p) (i32.shl (local.get $lo) (i32.const 3)))
                  ;; column xo of this row reads x at src + xo·sw·8
                  (local.set $src (i32.add (local.get $base)
                    (i32.shl (i32.add (i32.mul (local.get $ih) (local.get $w)) (local.get $colOffset)) (i32.const 3))))
                  (local.set $q (i32.add (local.get $p) (i32.shl (local.get $lo) (i32.const 3))))
                  (local.set $qEnd (i32.add (local.get $p) (i32.shl (local.get $hi) (i32.const 3))))
                  (local.set $src (i32.add (local.get $src) (i32.mul (local.get $lo) (local.get $step))))
                  (if (i32.eq (local.get $sw) (i32.const 1))
                    (then
                      (local.set $pairEnd (i32.sub (local.get $qEnd) (i32.const 16)))
                      (block $pairsDone
                        (loop $pairs
                          (br_if $pairsDone (i32.gt_s (local.get $q) (local.get $pairEnd)))
                          (v128.store (local.get $q) (v128.load (local.get $src)))
                          (local.set $q (i32.add (local.get $q) (i32.const 16)))
                          (local.set $src (i32.add (local.get $src) (i32.const 16)))
                          (br $pairs)))
                      (if (i32.lt_u (local.get $q) (local.get $qEnd))
                        (then (f64.store (local.get $q) (f64.load (local.get $src))))))
                    (else
                      (block $stridedDone
                        (loop $strided
                          (br_if $stridedDone (i32.ge_u (local.get $q) (local.get $qEnd)))
                          (f64.store (local.get $q) (f64.load (local.get $src)))
                          (local.set $q (i32.add (local.get $q) (i32.const 8)))
                          (local.set $src (i32.add (local.get $src) (local.get $step)))
                          (br $strided)))))
                  (call $zero (local.get $qEnd) (i32.shl (i32.sub (local.get $ow) (local.get $hi)) (i32.const 3)))))
              (local.set $p (i32.add (local.get $p) (local.get $rowBytes)))
              (br_if $rows (i32.lt_u (local.tee $y (i32.add (local.get $y) (i32.const 1))) (local.get $oh))))
            (br_if $samples (i32.lt_u (local.tee $s (i32.add (local.get $s) (i32.const 1))) (local.get $nc))))
          (br_if $tapColumns (i32.lt_u (local.tee $kj (i32.add (local.get $kj) (i32.const 1))) (local.get $kw))))
        (br_if $tapRows (i32.lt_u (local.tee $ki (i32.add (local.get $ki) (i32.const 1))) (local.get $kh))))
      (br_if $channels (i32.lt_u (local.tee $ci (i32.add (local.get $ci) (i32.const 1))) (local.get $cg)))))

  ;; col2im, the adjoint of im2col with the same parameters: adds each element of cols into out
  ;; (laid out as x) where im2col read it from, in im2col's order; padding elements are dropped.
  (func (export "col2im")
      (param $out i32) (param $cols i32) (param $nc i32) (param $cg i32) (param $sampleBytes i32)
      (param $h i32) (param $w i32) (param $kh i32) (param $kw i32) (param $oh i32) (param $ow i32)
      (param $sh i32) (param $sw i32) (param $dh i32) (param $dw i32) (param $pt i32) (param $pl i32)
    (local $ci i32) (local $ki i32) (local $kj i32) (local $s i32) (local $y i32)
    (local $rowOffset i32) (local $colOffset i32) (local $lo i32) (local $hi i32)
    (local $p i32) (local $plane i32) (local $base i32) (local $ih i32) (local $dst i32)
    (local $q i32) (local $qEnd i32) (local $pairEnd i32) (local $rowBytes i32) (local $step i32)
    (local.set $rowBytes (i32.shl (local.get $ow) (i32.const 3)))
    (local.set $step (i32.shl (local.get $sw) (i32.const 3)))
    (local.set $p (local.get $cols))
    (loop $channels
      (local.set $plane (i32.add (local.get $out) (i32.shl (i32.mul (local.get $ci) (i32.mul (local.get $h) (local.get $w))) (i32.const 3))))
      (local.set $ki (i32.const 0))
      (loop $tapRows
        (local.set $rowOffset (i32.sub (i32.mul (local.get $ki) (local.get $dh)) (local.get $pt)))
        (local.set $kj (i32.const 0))
        (loop $tapColumns
          (local.set $colOffset (i32.sub (i32.mul (local.get $kj) (local.get $dw)) (local.get $pl)))
          (local.set $lo (call $firstInside (local.get $colOffset) (local.get $sw) (local.get $ow)))
          (local.set $hi (call $lastInside (local.get $colOffset) (local.get $sw) (local.get $w) (local.get $ow) (local.get $lo)))
          (local.set $s (i32.const 0))
          (loop $samples
            (local.set $base (i32.add (local.get $plane) (i32.mul (local.get $s) (local.get $sampleBytes))))
            (local.set $y (i32.const 0))
            (loop $rows
              (local.set $ih (i32.add (i32.mul (local.get $y) (local.get $sh)) (local.get $rowOffset)))
              (if (i32.and (i32.ge_s (local.get $ih) (i32.const 0)) (i32.lt_s (local.get $ih) (local.get $h)))
                (then
                  (local.set $dst (i32.add (local.get $base)
                    (i32.shl (i32.add (i32.mul (local.get $ih) (local.get $w)) (local.get $colOffset)) (i32.const 3))))
                  (local.set $dst (i32.add (local.get $dst) (i32.mul (local.get $lo) (local.get $step))))
                  (local.set $q (i32.add (local.get $p) (i32.shl (local.get $lo) (i32.const 3))))
                  (local.set $qEnd (i32.add (local.get $p) (i32.shl (local.get $hi) (i32.const 3))))
                  (if (i32.eq (local.get $sw) (i32.const 1))
                    (then
                      (local.set $pairEnd (i32.sub (local.get $qEnd) (i32.const 16)))
                      (block $pairsDone
                        (loop $pairs
                          (br_if $pairsDone (i32.gt_s (local.get $q) (local.get $pairEnd)))
                          (v128.store (local.get $dst) (f64x2.add (v128.load (local.get $dst)) (v128.load (local.get $q))))
                          (local.set $q (i32.add (local.get $q) (i32.const 16)))
                          (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
                          (br $pairs)))
                      (if (i32.lt_u (local.get $q) (local.get $qEnd))
                        (then (f64.store (local.get $dst) (f64.add (f64.load (local.get $dst)) (f64.load (local.get $q)))))))
                    (else
                      (block $stridedDone
                        (loop $strided
                          (br_if $stridedDone (i32.ge_u (local.get $q) (local.get $qEnd)))
                          (f64.store (local.get $dst) (f64.add (f64.load (local.get $dst)) (f64.load (local.get $q))))
                          (local.set $q (i32.add (local.get $q) (i32.const 8)))
                          (local.set $dst (i32.add (local.get $dst) (local.get $step)))
                          (br $strided)))))))
              (local.set $p (i32.add (local.get $p) (local.get $rowBytes)))
              (br_if $rows (i32.lt_u (local.tee $y (i32.add (local.get $y) (i32.const 1))) (local.get $oh))))
            (br_if $samples (i32.lt_u (local.tee $s (i32.add (local.get $s) (i32.const 1))) (local.get $nc))))
          (br_if $tapColumns (i32.lt_u (local.tee $kj (i32.add (local.get $kj) (i32.const 1))) (local.get $kw))))
        (br_if $tapRows (i32.lt_u (local.tee $ki (i32.add (local.get $ki) (i32.const 1))) (local.get $kh))))
      (br_if $channels (i32.lt_u (local.tee $ci (i32.add (local.get $ci) (i32.const 1))) (local.get $cg)))))

  ;; ── Convolution without a column matrix (stride 1 along rows) ──────────────────────────────────
  ;; conv_forward computes W·cols for a chunk of samples reading cols' elements straight from a
  ;; zero-padded copy of the input: with the padding in memory, the four output positions of a
  ;; 4-column tile in one output row read four adjacent elements for every tap (c, ki, kj), at
  ;; offs[p] bytes from the tile's corner, so the micro-kernel loads them as two vectors from there
  ;; instead of from a packed strip. A tile narrower than 4 (the end of an output row) reads a few
  ;; elements past it, which the edge store drops. Depth blocks, tile sums and the order of every
  ;; addition are gemm's, so C is what gemm(W, cols) gives, bit for bit.

  ;; kernel4x4 with B read at bBase + offs[p] (two vectors) instead of from a packed strip.
  (func $kernel4x4Indirect (param $a i32) (param $offs i32) (param $bBase i32) (param $depth i32)
      (param $c i32) (param $ldc i32) (param $accumulate i32)
    (local $c00 v128) (local $c02 v128)
    (local $c10 v128) (local $c12 v128)
    (local $c20 v128) (local $c22 v128)
    (local $c30 v128) (local $c32 v128)
    (local $b01 v128) (local $b23 v128) (local $ar v128) (local $aEnd i32) (local $b i32)
    (local.set $aEnd (i32.add (local.get $a) (i32.shl (local.get $depth) (i32.const 5))))
    (loop $step
      (local.set $b (i32.add (local.get $bBase) (i32.load (local.get $offs))))
      (local.set $b01 (v128.load (local.get $b)))
      (local.set $b23 (v128.load offset=16 (local.get $b)))
      (local.set $ar (v128.load64_splat (local.get $a)))
      (local.set $c00 (f64x2.add (local.get $c00) (f64x2.mul (local.get $ar) (local.get $b01))))
      (local.set $c02 (f64x2.add (local.get $c02) (f64x2.mul (local.get $ar) (local.get $b23))))
      (local.set $ar (v128.load64_splat offset=8 (local.get $a)))
      (local.set $c10 (f64x2.add (local.get $c10) (f64x2.mul (local.get $ar) (local.get $b01))))
      (local.set $c12 (f64x2.add (local.get $c12) (f64x2.mul (local.get $ar) (local.get $b23))))
      (local.set $ar (v128.load64_splat offset=16 (local.get $a)))
      (local.set $c20 (f64x2.add (local.get $c20) (f64x2.mul (local.get $ar) (local.get $b01))))
      (local.set $c22 (f64x2.add (local.get $c22) (f64x2.mul (local.get $ar) (local.get $b23))))
      (local.set $ar (v128.load64_splat offset=24 (local.get $a)))
      (local.set $c30 (f64x2.add (local.get $c30) (f64x2.mul (local.get $ar) (local.get $b01))))
      (local.set $c32 (f64x2.add (local.get $c32) (f64x2.mul (local.get $ar) (local.get $b23))))
      (local.set $offs (i32.add (local.get $offs) (i32.const 4)))
      (br_if $step (i32.lt_u (local.tee $a (i32.add (local.get $a) (i32.const 32))) (local.get $aEnd))))
    (if (local.get $accumulate)
      (then
        (v128.store (local.get $c) (f64x2.add (v128.load (local.get $c)) (local.get $c00)))
        (v128.store offset=16 (local.get $c) (f64x2.add (v128.load offset=16 (local.get $c)) (local.get $c02)))
        (local.set $c (i32.add (local.get $c) (local.get $ldc)))
        (v128.store (local.get $c) (f64x2.add (v128.load (local.get $c)) (local.get $c10)))
        (v128.store offset=16 (local.get $c) (f64x2.add (v128.load offset=16 (local.get $c)) (local.get $c12)))
        (local.set $c (i32.add (local.get $c) (local.get $ldc)))
        (v128.store (local.get $c) (f64x2.add (v128.load (local.get $c)) (local.get $c20)))
        (v128.store offset=16 (local.get $c) (f64x2.add (v128.load offset=16 (local.get $c)) (local.get $c22)))
        (local.set $c (i32.add (local.get $c) (local.get $ldc)))
        (v128.store (local.get $c) (f64x2.add (v128.load (local.get $c)) (local.get $c30)))
        (v128.store offset=16 (local.get $c) (f64x2.add (v128.load offset=16 (local.get $c)) (local.get $c32))))
      (else
        (v128.store (local.get $c) (local.get $c00))
        (v128.store offset=16 (local.get $c) (local.get $c02))
        (local.set $c (i32.add (local.get $c) (local.get $ldc)))
        (v128.store (local.get $c) (local.get $c10))
        (v128.store offset=16 (local.get $c) (local.get $c12))
        (local.set $c (i32.add (local.get $c) (local.get $ldc)))
        (v128.store (local.get $c) (local.get $c20))
        (v128.store offset=16 (local.get $c) (local.get $c22))
        (local.set $c (i32.add (local.get $c) (local.get $ldc)))
        (v128.store (local.get $c) (local.get $c30))
        (v128.store offset=16 (local.get $c) (local.get $c32)))))

  ;; Bytes of scratch conv_forward needs for og output channels and K = cg·kh·kw taps: the tap
  ;; offsets (K i32), W packed in 4-row strips, and one edge tile.
  (func (export "conv_workspace_bytes") (param $og i32) (param $K i32) (result i32)
    (i32.add
      (i32.add
        (i32.and (i32.add (i32.shl (local.get $K) (i32.const 2)) (i32.const 15)) (i32.const -16))
        (i32.shl (i32.mul (local.get $K) (i32.and (i32.add (local.get $og) (i32.const 3)) (i32.const -4))) (i32.const 3)))
      (i32.const 128)))

  ;; C ([og, nc·oh·ow] row-major at c) = W ([og, K] row-major at w, K = cg·kh·kw) · cols, for nc
  ;; samples of cg channels of Hp×Wp already padded at xp (samples sampleBytes apart; the padded
  ;; input is read from row y·sh, column x of the output position (y, x)), with dilation dh, dw and
  ;; stride sh down the rows, 1 along them. Needs conv_workspace_bytes(og, K) bytes at work and 32
  ;; readable bytes after the padded input.
  (func (export "conv_forward")
      (param $w i32) (param $xp i32) (param $c i32) (param $og i32) (param $nc i32) (param $sampleBytes i32)
      (param $cg i32) (param $Hp i32) (param $Wp i32) (param $kh i32) (param $kw i32)
      (param $oh i32) (param $ow i32) (param $sh i32) (param $dh i32) (param $dw i32) (param $work i32)
    (local $K i32) (local $offs i32) (local $packed i32) (local $tile i32) (local $p i32)
    (local $ci i32) (local $ki i32) (local $kj i32) (local $ir i32) (local $rows i32)
    (local $kcMax i32) (local $kc i32) (local $p0 i32) (local $ldc i32) (local $m i32)
    (local $s i32) (local $y i32) (local $x0 i32) (local $lanes i32) (local $rowBase i32) (local $q i32)
    (local $cTile i32) (local $aStrip i32)
    (local.set $K (i32.mul (local.get $cg) (i32.mul (local.get $kh) (local.get $kw))))
    (local.set $offs (local.get $work))
    (local.set $packed (i32.add (local.get $work)
      (i32.and (i32.add (i32.shl (local.get $K) (i32.const 2)) (i32.const 15)) (i32.const -16))))
    (local.set $tile (i32.add (local.get $packed)
      (i32.shl (i32.mul (local.get $K) (i32.and (i32.add (local.get $og) (i32.const 3)) (i32.const -4))) (i32.const 3))))
    ;; Tap p = (ci, ki, kj) reads ci·Hp·Wp + ki·dh·Wp + kj·dw elements from the tile's corner.
    (loop $channels
      (local.set $ki (i32.const 0))
      (loop $tapRows
        (local.set $kj (i32.const 0))
        (loop $tapColumns
          (i32.store (i32.add (local.get $offs) (i32.shl (local.get $p) (i32.const 2)))
            (i32.shl
              (i32.add
                (i32.mul (i32.add (i32.mul (local.get $ci) (local.get $Hp)) (i32.mul (local.get $ki) (local.get $dh))) (local.get $Wp))
                (i32.mul (local.get $kj) (local.get $dw)))
              (i32.const 3)))
          (local.set $p (i32.add (local.get $p) (i32.const 1)))
          (br_if $tapColumns (i32.lt_u (local.tee $kj (i32.add (local.get $kj) (i32.const 1))) (local.get $kw))))
        (br_if $tapRows (i32.lt_u (local.tee $ki (i32.add (local.get $ki) (i32.const 1))) (local.get $kh))))
      (br_if $channels (i32.lt_u (local.tee $ci (i32.add (local.get $ci) (i32.const 1))) (local.get $cg))))
    ;; W in 4-row strips, all K deep (strip ir/4 at packed + (ir/4)·K·32), rows past og zero.
    (loop $packW
      (local.set $rows (i32.sub (local.get $og) (local.get $ir)))
      (call $pack4
        (i32.add (local.get $w) (i32.shl (i32.mul (local.get $ir) (local.get $K)) (i32.const 3)))
        (i32.shl (local.get $K) (i32.const 3)) (i32.const 8)
        (select (i32.const 4) (local.get $rows) (i32.gt_u (local.get $rows) (i32.const 4)))
        (local.get $K)
        (i32.add (local.get $packed) (i32.shl (i32.mul (local.get $ir) (local.get $K)) (i32.const 3))))
      (br_if $packW (i32.lt_u (local.tee $ir (i32.add (local.get $ir) (i32.const 4))) (local.get $og))))
    (local.set $kcMax (call $blockDepth (local.get $K)))
    (local.set $m (i32.mul (local.get $nc) (i32.mul (local.get $oh) (local.get $ow))))
    (local.set $ldc (i32.shl (local.get $m) (i32.const 3)))
    (local.set $s (i32.const 0))
    (loop $samples
      (local.set $y (i32.const 0))
      (loop $outRows
        (local.set $rowBase (i32.add (i32.add (local.get $xp) (i32.mul (local.get $s) (local.get $sampleBytes)))
          (i32.shl (i32.mul (i32.mul (local.get $y) (local.get $sh)) (local.get $Wp)) (i32.const 3))))
        (local.set $x0 (i32.const 0))
        (loop $tiles
          (local.set $lanes (i32.sub (local.get $ow) (local.get $x0)))
          (local.set $lanes (select (i32.const 4) (local.get $lanes) (i32.gt_u (local.get $lanes) (i32.const 4))))
          ;; column q of C: position (s, y, x0)
          (local.set $q (i32.add (i32.mul (i32.add (i32.mul (local.get $s) (local.get $oh)) (local.get $y)) (local.get $ow)) (local.get $x0)))
          (local.set $ir (i32.const 0))
          (loop $rowStrips
            (local.set $rows (i32.sub (local.get $og) (local.get $ir)))
            (local.set $rows (select (i32.const 4) (local.get $rows) (i32.gt_u (local.get $rows) (i32.const 4))))
            (local.set $cTile (i32.add (local.get $c)
              (i32.shl (i32.add (i32.mul (local.get $ir) (local.get $m)) (local.get $q)) (i32.const 3))))
            (local.set $aStrip (i32.add (local.get $packed) (i32.shl (i32.mul (local.get $ir) (local.get $K)) (i32.const 3))))
            (local.set $p0 (i32.const 0))
            (loop $depthBlocks
              (local.set $kc (i32.sub (local.get $K) (local.get $p0)))
              (local.set $kc (select (local.get $kcMax) (local.get $kc) (i32.gt_u (local.get $kc) (local.get $kcMax))))
              (if (i32.and (i32.eq (local.get $rows) (i32.const 4)) (i32.eq (local.get $lanes) (i32.const 4)))
                (then
                  (call $kernel4x4Indirect
                    (i32.add (local.get $aStrip) (i32.shl (local.get $p0) (i32.const 5)))
                    (i32.add (local.get $offs) (i32.shl (local.get $p0) (i32.const 2)))
                    (i32.add (local.get $rowBase) (i32.shl (local.get $x0) (i32.const 3)))
                    (local.get $kc) (local.get $cTile) (local.get $ldc) (i32.ne (local.get $p0) (i32.const 0))))
                (else
                  (call $kernel4x4Indirect
                    (i32.add (local.get $aStrip) (i32.shl (local.get $p0) (i32.const 5)))
                    (i32.add (local.get $offs) (i32.shl (local.get $p0) (i32.const 2)))
                    (i32.add (local.get $rowBase) (i32.shl (local.get $x0) (i32.const 3)))
                    (local.get $kc) (local.get $tile) (i32.const 32) (i32.const 0))
                  (call $storeEdge (local.get $tile) (local.get $cTile) (local.get $ldc)
                    (local.get $rows) (local.get $lanes) (i32.ne (local.get $p0) (i32.const 0)))))
              (br_if $depthBlocks (i32.lt_u (local.tee $p0 (i32.add (local.get $p0) (local.get $kc))) (local.get $K))))
            (br_if $rowStrips (i32.lt_u (local.tee $ir (i32.add (local.get $ir) (i32.const 4))) (local.get $og))))
          (br_if $tiles (i32.lt_u (local.tee $x0 (i32.add (local.get $x0) (i32.const 4))) (local.get $ow))))
        (br_if $outRows (i32.lt_u (local.tee $y (i32.add (local.get $y) (i32.const 1))) (local.get $oh))))
      (br_if $samples (i32.lt_u (local.tee $s (i32.add (local.get $s) (i32.const 1))) (local.get $nc)))))

  ;; ── The weight adjoint without a column matrix ────────────────────────────────────────────────
  ;; conv_weight computes W̄ᵀ = cols · ḡᵀ ([K, og]) for a chunk, reading cols[r][p] straight from
  ;; the zero-padded input at bases[p] + offs[r]: the four taps of a tile are four broadcast loads
  ;; per position instead of a packed strip. ḡᵀ is packed as gemm packs B. Depth blocks (over the
  ;; positions), tile sums and the order of additions are gemm's, and each product is the same, so
  ;; W̄ᵀ[r][o] is, bit for bit, gemm(ḡ, cols, transB)[o][r].

  ;; The 4×4 tile c[r][j] (+)= Σₚ x[bases[p] + o_r]·b[4p + j]: kernel4x4 with A read through the
  ;; position bases and the four tap offsets.
  (func $kernel4x4Taps (param $bases i32) (param $o0 i32) (param $o1 i32) (param $o2 i32) (param $o3 i32)
      (param $b i32) (param $depth i32) (param $c i32) (param $ldc i32) (param $accumulate i32)
    (local $c00 v128) (local $c02 v128)
    (local $c10 v128) (local $c12 v128)
    (local $c20 v128) (local $c22 v128)
    (local $c30 v128) (local $c32 v128)
    (local $b01 v128) (local $b23 v128) (local $ar v128) (local $end i32) (local $base i32)
    (local.set $end (i32.add (local.get $bases) (i32.shl (local.get $depth) (i32.const 2))))
    (loop $step
      (local.set $base (i32.load (local.get $bases)))
      (local.set $b01 (v128.load (local.get $b)))
      (local.set $b23 (v128.load offset=16 (local.get $b)))
      (local.set $ar (v128.load64_splat (i32.add (local.get $base) (local.get $o0))))
      (local.set $c00 (f64x2.add (local.get $c00) (f64x2.mul (local.get $ar) (local.get $b01))))
      (local.set $c02 (f64x2.add (local.get $c02) (f64x2.mul (local.get $ar) (local.get $b23))))
      (local.set $ar (v128.load64_splat (i32.add (local.get $base) (local.get $o1))))
      (local.set $c10 (f64x2.add (local.get $c10) (f64x2.mul (local.get $ar) (local.get $b01))))
      (local.set $c12 (f64x2.add (local.get $c12) (f64x2.mul (local.get $ar) (local.get $b23))))
      (local.set $ar (v128.load64_splat (i32.add (local.get $base) (local.get $o2))))
      (local.set $c20 (f64x2.add (local.get $c20) (f64x2.mul (local.get $ar) (local.get $b01))))
      (local.set $c22 (f64x2.add (local.get $c22) (f64x2.mul (local.get $ar) (local.get $b23))))
      (local.set $ar (v128.load64_splat (i32.add (local.get $base) (local.get $o3))))
      (local.set $c30 (f64x2.add (local.get $c30) (f64x2.mul (local.get $ar) (local.get $b01))))
      (local.set $c32 (f64x2.add (local.get $c32) (f64x2.mul (local.get $ar) (local.get $b23))))
      (local.set $b (i32.add (local.get $b) (i32.const 32)))
      (br_if $step (i32.lt_u (local.tee $bases (i32.add (local.get $bases) (i32.const 4))) (local.get $end))))
    (if (local.get $accumulate)
      (then
        (v128.store (local.get $c) (f64x2.add (v128.load (local.get $c)) (local.get $c00)))
        (v128.store offset=16 (local.get $c) (f64x2.add (v128.load offset=16 (local.get $c)) (local.get $c02)))
        (local.set $c (i32.add (local.get $c) (local.get $ldc)))
        (v128.store (local.get $c) (f64x2.add (v128.load (local.get $c)) (local.get $c10)))
        (v128.store offset=16 (local.get $c) (f64x2.add (v128.load offset=16 (local.get $c)) (local.get $c12)))
        (local.set $c (i32.add (local.get $c) (local.get $ldc)))
        (v128.store (local.get $c) (f64x2.add (v128.load (local.get $c)) (local.get $c20)))
        (v128.store offset=16 (local.get $c) (f64x2.add (v128.load offset=16 (local.get $c)) (local.get $c22)))
        (local.set $c (i32.add (local.get $c) (local.get $ldc)))
        (v128.store (local.get $c) (f64x2.add (v128.load (local.get $c)) (local.get $c30)))
        (v128.store offset=16 (local.get $c) (f64x2.add (v128.load offset=16 (local.get $c)) (local.get $c32))))
      (else
        (v128.store (local.get $c) (local.get $c00))
        (v128.store offset=16 (local.get $c) (local.get $c02))
        (local.set $c (i32.add (local.get $c) (local.get $ldc)))
        (v128.store (local.get $c) (local.get $c10))
        (v128.store offset=16 (local.get $c) (local.get $c12))
        (local.set $c (i32.add (local.get $c) (local.get $ldc)))
        (v128.store (local.get $c) (local.get $c20))
        (v128.store offset=16 (local.get $c) (local.get $c22))
        (local.set $c (i32.add (local.get $c) (local.get $ldc)))
        (v128.store (local.get $c) (local.get $c30))
        (v128.store offset=16 (local.get $c) (local.get $c32)))))

  ;; Bytes of scratch conv_weight needs: position bases (M i32), tap offsets (K rounded up to 4,
  ;; i32), a packed block of ḡᵀ (blockDepth(M) deep, og rounded up to 4 wide) and one edge tile.
  (func (export "conv_weight_workspace_bytes") (param $og i32) (param $K i32) (param $M i32) (result i32)
    (i32.add
      (i32.add
        (i32.add
          (i32.and (i32.add (i32.shl (local.get $M) (i32.const 2)) (i32.const 15)) (i32.const -16))
          (i32.and (i32.add (i32.shl (i32.and (i32.add (local.get $K) (i32.const 3)) (i32.const -4)) (i32.const 2)) (i32.const 15)) (i32.const -16)))
        (i32.shl (i32.mul (call $blockDepth (local.get $M)) (i32.and (i32.add (local.get $og) (i32.const 3)) (i32.const -4))) (i32.const 3)))
      (i32.const 128)))

  ;; C ([K, og] row-major at c, K = cg·kh·kw) = cols · ḡᵀ for nc samples: ḡ at g is [og, M]
  ;; row-major (M = nc·oh·ow positions), the input is zero-padded at xp as for conv_forward (any
  ;; strides here: position (s, y, x) reads from row y·sh, column x·sw). Needs
  ;; conv_weight_workspace_bytes(og, K, M) bytes at work.
  (func (export "conv_weight")
      (param $g i32) (param $xp i32) (param $c i32) (param $og i32) (param $nc i32) (param $sampleBytes i32)
      (param $cg i32) (param $Hp i32) (param $Wp i32) (param $kh i32) (param $kw i32)
      (param $oh i32) (param $ow i32) (param $sh i32) (param $sw i32) (param $dh i32) (param $dw i32) (param $work i32)
    (call $convWeightRange (local.get $g) (local.get $xp) (local.get $c) (local.get $og) (local.get $nc) (local.get $sampleBytes)
      (local.get $cg) (local.get $Hp) (local.get $Wp) (local.get $kh) (local.get $kw)
      (local.get $oh) (local.get $ow) (local.get $sh) (local.get $sw) (local.get $dh) (local.get $dw) (local.get $work)
      (i32.const 0) (i32.mul (local.get $cg) (i32.mul (local.get $kh) (local.get $kw)))))

  ;; Rows (taps) [r0, r1) of conv_weight's C, r0 a multiple of 4 and r0 < r1 ≤ K (an empty range is
  ;; not a no-op: it writes a strip), with scratch of its own at work:
  ;; each element summed exactly as conv_weight sums it, so threads sharing the taps give its result.
  (export "conv_weight_range" (func $convWeightRange))
  (func $convWeightRange
      (param $g i32) (param $xp i32) (param $c i32) (param $og i32) (param $nc i32) (param $sampleBytes i32)
      (param $cg i32) (param $Hp i32) (param $Wp i32) (param $kh i32) (param $kw i32)
      (param $oh i32) (param $ow i32) (param $sh i32) (param $sw i32) (param $dh i32) (param $dw i32) (param $work i32)
      (param $r0 i32) (param $r1 i32)
    (local $K i32) (local $M i32) (local $bases i32) (local $offs i32) (local $packed i32) (local $tile i32)
    (local $p i32) (local $ci i32) (local $ki i32) (local $kj i32) (local $s i32) (local $y i32) (local $x i32)
    (local $rowAt i32) (local $kcMax i32) (local $kc i32) (local $p0 i32) (local $jr i32) (local $ir i32)
    (local $lanes i32) (local $rows i32) (local $ldc i32) (local $o i32) (local $cTile i32) (local $bStrip i32)
    (local.set $K (i32.mul (local.get $cg) (i32.mul (local.get $kh) (local.get $kw))))
    (local.set $M (i32.mul (local.get $nc) (i32.mul (local.get $oh) (local.get $ow))))
    (local.set $bases (local.get $work))
    (local.set $offs (i32.add (local.get $bases)
      (i32.and (i32.add (i32.shl (local.get $M) (i32.const 2)) (i32.const 15)) (i32.const -16))))
    (local.set $packed (i32.add (local.get $offs)
      (i32.and (i32.add (i32.shl (i32.and (i32.add (local.get $K) (i32.const 3)) (i32.const -4)) (i32.const 2)) (i32.const 15)) (i32.const -16))))
    (local.set $kcMax (call $blockDepth (local.get $M)))
    (local.set $tile (i32.add (local.get $packed)
      (i32.shl (i32.mul (local.get $kcMax) (i32.and (i32.add (local.get $og) (i32.const 3)) (i32.const -4))) (i32.const 3))))
    ;; bases[p]: the padded input's address of position p = (s, y, x), tap (0, 0, 0).
    (loop $samples
      (local.set $y (i32.const 0))
      (loop $rowsOut
        (local.set $rowAt (i32.add (i32.add (local.get $xp) (i32.mul (local.get $s) (local.get $sampleBytes)))
          (i32.shl (i32.mul (i32.mul (local.get $y) (local.get $sh)) (local.get $Wp)) (i32.const 3))))
        (local.set $x (i32.const 0))
        (loop $columnsOut
          (i32.store (i32.add (local.get $bases) (i32.shl (local.get $p) (i32.const 2)))
            (i32.add (local.get $rowAt) (i32.shl (i32.mul (local.get $x) (local.get $sw)) (i32.const 3))))
          (local.set $p (i32.add (local.get $p) (i32.const 1)))
          (br_if $columnsOut (i32.lt_u (local.tee $x (i32.add (local.get $x) (i32.const 1))) (local.get $ow))))
        (br_if $rowsOut (i32.lt_u (local.tee $y (i32.add (local.get $y) (i32.const 1))) (local.get $oh))))
      (br_if $samples (i32.lt_u (local.tee $s (i32.add (local.get $s) (i32.const 1))) (local.get $nc))))
    ;; offs[r] for tap r = (ci, ki, kj); taps past K (an edge tile's unused rows) read offset 0.
    (local.set $p (i32.const 0))
    (loop $channels
      (local.set $ki (i32.const 0))
      (loop $tapRows
        (local.set $kj (i32.const 0))
        (loop $tapColumns
          (i32.store (i32.add (local.get $offs) (i32.shl (local.get $p) (i32.const 2)))
            (i32.shl
              (i32.add
                (i32.mul (i32.add (i32.mul (local.get $ci) (local.get $Hp)) (i32.mul (local.get $ki) (local.get $dh))) (local.get $Wp))
                (i32.mul (local.get $kj) (local.get $dw)))
              (i32.const 3)))
          (local.set $p (i32.add (local.get $p) (i32.const 1)))
          (br_if $tapColumns (i32.lt_u (local.tee $kj (i32.add (local.get $kj) (i32.const 1))) (local.get $kw))))
        (br_if $tapRows (i32.lt_u (local.tee $ki (i32.add (local.get $ki) (i32.const 1))) (local.get $kh))))
      (br_if $channels (i32.lt_u (local.tee $ci (i32.add (local.get $ci) (i32.const 1))) (local.get $cg))))
    (block $padded
      (loop $pad
        (br_if $padded (i32.ge_u (local.get $p) (i32.and (i32.add (local.get $K) (i32.const 3)) (i32.const -4))))
        (i32.store (i32.add (local.get $offs) (i32.shl (local.get $p) (i32.const 2))) (i32.const 0))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $pad)))
    (local.set $ldc (i32.shl (local.get $og) (i32.const 3)))
    (loop $depthBlocks
      (local.set $kc (i32.sub (local.get $M) (local.get $p0)))
      (local.set $kc (select (local.get $kcMax) (local.get $kc) (i32.gt_u (local.get $kc) (local.get $kcMax))))
      ;; ḡᵀ[p0 … p0+kc, all og] as 4-column strips (rows of ḡ), strip jr at packed + jr·kc·8.
      (local.set $jr (i32.const 0))
      (loop $packG
        (local.set $lanes (i32.sub (local.get $og) (local.get $jr)))
        (call $pack4
          (i32.add (local.get $g) (i32.shl (i32.add (i32.mul (local.get $jr) (local.get $M)) (local.get $p0)) (i32.const 3)))
          (i32.shl (local.get $M) (i32.const 3)) (i32.const 8)
          (select (i32.const 4) (local.get $lanes) (i32.gt_u (local.get $lanes) (i32.const 4)))
          (local.get $kc)
          (i32.add (local.get $packed) (i32.shl (i32.mul (local.get $jr) (local.get $kc)) (i32.const 3))))
        (br_if $packG (i32.lt_u (local.tee $jr (i32.add (local.get $jr) (i32.const 4))) (local.get $og))))
      (local.set $ir (local.get $r0))
      (loop $tapStrips
        (local.set $rows (i32.sub (local.get $r1) (local.get $ir)))
        (local.set $rows (select (i32.const 4) (local.get $rows) (i32.gt_u (local.get $rows) (i32.const 4))))
        (local.set $o (i32.add (local.get $offs) (i32.shl (local.get $ir) (i32.const 2))))
        (local.set $jr (i32.const 0))
        (loop $channelStrips
          (local.set $lanes (i32.sub (local.get $og) (local.get $jr)))
          (local.set $lanes (select (i32.const 4) (local.get $lanes) (i32.gt_u (local.get $lanes) (i32.const 4))))
          (local.set $bStrip (i32.add (local.get $packed) (i32.shl (i32.mul (local.get $jr) (local.get $kc)) (i32.const 3))))
          (local.set $cTile (i32.add (local.get $c)
            (i32.shl (i32.add (i32.mul (local.get $ir) (local.get $og)) (local.get $jr)) (i32.const 3))))
          (if (i32.and (i32.eq (local.get $rows) (i32.const 4)) (i32.eq (local.get $lanes) (i32.const 4)))
            (then
              (call $kernel4x4Taps
                (i32.add (local.get $bases) (i32.shl (local.get $p0) (i32.const 2)))
                (i32.load (local.get $o)) (i32.load offset=4 (local.get $o))
                (i32.load offset=8 (local.get $o)) (i32.load offset=12 (local.get $o))
                (local.get $bStrip) (local.get $kc) (local.get $cTile) (local.get $ldc) (i32.ne (local.get $p0) (i32.const 0))))
            (else
              (call $kernel4x4Taps
                (i32.add (local.get $bases) (i32.shl (local.get $p0) (i32.const 2)))
                (i32.load (local.get $o)) (i32.load offset=4 (local.get $o))
                (i32.load offset=8 (local.get $o)) (i32.load offset=12 (local.get $o))
                (local.get $bStrip) (local.get $kc) (local.get $tile) (i32.const 32) (i32.const 0))
              (call $storeEdge (local.get $tile) (local.get $cTile) (local.get $ldc)
                (local.get $rows) (local.get $lanes) (i32.ne (local.get $p0) (i32.const 0)))))
          (br_if $channelStrips (i32.lt_u (local.tee $jr (i32.add (local.get $jr) (i32.const 4))) (local.get $og))))
        (br_if $tapStrips (i32.lt_u (local.tee $ir (i32.add (local.get $ir) (i32.const 4))) (local.get $r1))))
      (br_if $depthBlocks (i32.lt_u (local.tee $p0 (i32.add (local.get $p0) (local.get $kc))) (local.get $M)))))

  ;; dst[i] += src[i] for i < count (f64), two at a time: the weight adjoint's chunks added up.
  (func (export "add_into") (param $dst i32) (param $src i32) (param $count i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $dst) (i32.shl (local.get $count) (i32.const 3))))
    (block $done
      (loop $pairs
        (br_if $done (i32.gt_u (i32.add (local.get $dst) (i32.const 16)) (local.get $end)))
        (v128.store (local.get $dst) (f64x2.add (v128.load (local.get $dst)) (v128.load (local.get $src))))
        (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
        (local.set $src (i32.add (local.get $src) (i32.const 16)))
        (br $pairs)))
    (if (i32.lt_u (local.get $dst) (local.get $end))
      (then (f64.store (local.get $dst) (f64.add (f64.load (local.get $dst)) (f64.load (local.get $src)))))))

  ;; dst ([nc, og, ohw]) = src ([og, nc·ohw]) reordered, with bias[o] added to channel o when
  ;; withBias (a copy otherwise, so that −0 stays −0): conv_forward's product in the output's order.
  (func (export "bias_reorder") (param $src i32) (param $dst i32) (param $og i32) (param $nc i32) (param $ohw i32)
      (param $bias i32) (param $withBias i32)
    (local $s i32) (local $o i32) (local $from i32) (local $to i32) (local $end i32) (local $pairEnd i32)
    (local $b v128) (local $rowBytes i32)
    (local.set $rowBytes (i32.shl (local.get $ohw) (i32.const 3)))
    (loop $samples
      (local.set $o (i32.const 0))
      (loop $channels
        (local.set $from (i32.add (local.get $src)
          (i32.mul (i32.add (i32.mul (local.get $o) (local.get $nc)) (local.get $s)) (local.get $rowBytes))))
        (local.set $to (i32.add (local.get $dst)
          (i32.mul (i32.add (i32.mul (local.get $s) (local.get $og)) (local.get $o)) (local.get $rowBytes))))
        (local.set $end (i32.add (local.get $to) (local.get $rowBytes)))
        (local.set $pairEnd (i32.sub (local.get $end) (i32.const 16)))
        (if (local.get $withBias)
          (then
            (local.set $b (v128.load64_splat (i32.add (local.get $bias) (i32.shl (local.get $o) (i32.const 3)))))
            (block $done
              (loop $pairs
                (br_if $done (i32.gt_s (local.get $to) (local.get $pairEnd)))
                (v128.store (local.get $to) (f64x2.add (v128.load (local.get $from)) (local.get $b)))
                (local.set $from (i32.add (local.get $from) (i32.const 16)))
                (local.set $to (i32.add (local.get $to) (i32.const 16)))
                (br $pairs)))
            (if (i32.lt_u (local.get $to) (local.get $end))
              (then (f64.store (local.get $to) (f64.add (f64.load (local.get $from)) (f64x2.extract_lane 0 (local.get $b)))))))
          (else
            (block $copied
              (loop $copy
                (br_if $copied (i32.gt_s (local.get $to) (local.get $pairEnd)))
                (v128.store (local.get $to) (v128.load (local.get $from)))
                (local.set $from (i32.add (local.get $from) (i32.const 16)))
                (local.set $to (i32.add (local.get $to) (i32.const 16)))
                (br $copy)))
            (if (i32.lt_u (local.get $to) (local.get $end))
              (then (f64.store (local.get $to) (f64.load (local.get $from)))))))
        (br_if $channels (i32.lt_u (local.tee $o (i32.add (local.get $o) (i32.const 1))) (local.get $og))))
      (br_if $samples (i32.lt_u (local.tee $s (i32.add (local.get $s) (i32.const 1))) (local.get $nc)))))

  ;; Copies `planes` planes of h×w (row-major at src) into planes of hp×wp at dst, each at row pt
  ;; and column pl (the padding around them is left as it is: the caller zeroes it).
  (func (export "pad_copy") (param $src i32) (param $dst i32) (param $planes i32) (param $h i32) (param $w i32)
      (param $hp i32) (param $wp i32) (param $pt i32) (param $pl i32)
    (local $plane i32) (local $r i32) (local $to i32) (local $end i32) (local $pairEnd i32)
    (local $rowBytes i32) (local $padRowBytes i32)
    (local.set $rowBytes (i32.shl (local.get $w) (i32.const 3)))
    (local.set $padRowBytes (i32.shl (local.get $wp) (i32.const 3)))
    (loop $planes
      (local.set $to (i32.add (local.get $dst)
        (i32.shl (i32.add (i32.mul (i32.add (i32.mul (local.get $plane) (local.get $hp)) (local.get $pt)) (local.get $wp)) (local.get $pl))
          (i32.const 3))))
      (local.set $r (i32.const 0))
      (loop $rows
        (local.set $end (i32.add (local.get $to) (local.get $rowBytes)))
        (local.set $pairEnd (i32.sub (local.get $end) (i32.const 16)))
        (block $done
          (loop $pairs
            (br_if $done (i32.gt_s (local.get $to) (local.get $pairEnd)))
            (v128.store (local.get $to) (v128.load (local.get $src)))
            (local.set $to (i32.add (local.get $to) (i32.const 16)))
            (local.set $src (i32.add (local.get $src) (i32.const 16)))
            (br $pairs)))
        (if (i32.lt_u (local.get $to) (local.get $end))
          (then
            (f64.store (local.get $to) (f64.load (local.get $src)))
            (local.set $src (i32.add (local.get $src) (i32.const 8)))))
        ;; the next row: back to this row's start, one padded row down
        (local.set $to (i32.add (i32.sub (local.get $end) (local.get $rowBytes)) (local.get $padRowBytes)))
        (br_if $rows (i32.lt_u (local.tee $r (i32.add (local.get $r) (i32.const 1))) (local.get $h))))
      (br_if $planes (i32.lt_u (local.tee $plane (i32.add (local.get $plane) (i32.const 1))) (local.get $planes)))))
)
