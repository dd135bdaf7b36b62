;; Adam's update (Kingma & Ba 2015, in the paper's efficient ordering) in float64 with WebAssembly
;; SIMD, two elements per instruction.
;;
;; Assembled by scripts/build-wasm.mjs into adam.generated.ts (also with its memory shared, for
;; worker threads); driven by ../adam.ts, which keeps the moment estimates m and v in an instance's
;; memory for the life of an optimizer and copies each parameter's weights and gradient in (and the
;; weights back out) around every call. The gradient may be copied in earlier, for squares_finite to
;; check it before any parameter is updated. A large parameter's update is split into ranges of
;; elements (adam_range), which worker threads run at once over the shared memory.
;;
;; Why WebAssembly for an elementwise loop: the update is one pass over four arrays with a square
;; root and a division per element, and V8's optimised JavaScript for it ran at 6–10 ns per
;; element on the machine it was measured on (Node 20, AMD EPYC), this loop at about 2.5 ns, memory
;; traffic included: two elements per instruction, and no bounds checks on memory accesses.
;;
;; Numerics: each lane does exactly the operations of adamUpdateJs in ../adam.ts, in the same
;; order, with IEEE rounding of every operation (f64x2.sqrt and f64x2.div are correctly rounded,
;; and there is no fused multiply-add), so results are bit-identical to it.

(module
  (import "env" "memory" (memory 1 32767))

  ;; 1 when the square of every one of the n doubles at p (16-byte aligned) is finite, else 0: Σ x²·0
  ;; over them, four pairs at a time in separate sums, is 0 exactly when no x is NaN or ±∞ and no
  ;; |x| ≥ 2⁵¹² (x²·0 is NaN for those, as x² overflows), as the optimizers' check in JavaScript
  ;; computes it. The update squares the gradient: an overflowing square would make v ∞ for good.
  (func (export "squares_finite") (param $p i32) (param $n i32) (result i32)
    (local $end i32) (local $groupsEnd i32) (local $zero v128) (local $x v128)
    (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128)
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $n) (i32.const 3))))
    ;; Groups of eight doubles, then pairs, then a last one.
    (local.set $groupsEnd (i32.add (local.get $p) (i32.shl (i32.and (local.get $n) (i32.const -8)) (i32.const 3))))
    (block $groupsDone
      (br_if $groupsDone (i32.ge_u (local.get $p) (local.get $groupsEnd)))
      (loop $groups
        (local.set $x (v128.load (local.get $p)))
        (local.set $s0 (f64x2.add (local.get $s0) (f64x2.mul (f64x2.mul (local.get $x) (local.get $x)) (local.get $zero))))
        (local.set $x (v128.load offset=16 (local.get $p)))
        (local.set $s1 (f64x2.add (local.get $s1) (f64x2.mul (f64x2.mul (local.get $x) (local.get $x)) (local.get $zero))))
        (local.set $x (v128.load offset=32 (local.get $p)))
        (local.set $s2 (f64x2.add (local.get $s2) (f64x2.mul (f64x2.mul (local.get $x) (local.get $x)) (local.get $zero))))
        (local.set $x (v128.load offset=48 (local.get $p)))
        (local.set $s3 (f64x2.add (local.get $s3) (f64x2.mul (f64x2.mul (local.get $x) (local.get $x)) (local.get $zero))))
        (br_if $groups (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 64))) (local.get $groupsEnd)))))
    (block $pairsDone
      (loop $pairs
        (br_if $pairsDone (i32.gt_u (i32.add (local.get $p) (i32.const 16)) (local.get $end)))
        (local.set $x (v128.load (local.get $p)))
        (local.set $s0 (f64x2.add (local.get $s0) (f64x2.mul (f64x2.mul (local.get $x) (local.get $x)) (local.get $zero))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $pairs)))
    (if (i32.lt_u (local.get $p) (local.get $end))
      (then
        (local.set $x (v128.load64_zero (local.get $p)))
        (local.set $s1 (f64x2.add (local.get $s1) (f64x2.mul (f64x2.mul (local.get $x) (local.get $x)) (local.get $zero))))))
    (local.set $s0 (f64x2.add (f64x2.add (local.get $s0) (local.get $s1)) (f64x2.add (local.get $s2) (local.get $s3))))
    (i32.and
      (f64.eq (f64x2.extract_lane 0 (local.get $s0)) (f64.const 0))
      (f64.eq (f64x2.extract_lane 1 (local.get $s0)) (f64.const 0))))

  ;; For i < n, with every pointer a byte offset into memory (16-byte aligned):
  ;;   w' = w·keep                          decoupled weight decay (keep = 1 − ηλ, or 1)
  ;;   g' = g + w'·coupled                  coupled (L2) weight decay (coupled = λ, or 0)
  ;;   m  = m·beta1 + g'·a1                 a1 = 1 − beta1
  ;;   v  = v·beta2 + g'·g'·a2              a2 = 1 − beta2
  ;;   w  = w' − (stepSize·m)/(√v + eps)
  (func $adam
      (param $w i32) (param $g i32) (param $m i32) (param $v i32) (param $n i32)
      (param $stepSize f64) (param $eps f64)
      (param $beta1 f64) (param $a1 f64) (param $beta2 f64) (param $a2 f64)
      (param $keep f64) (param $coupled f64)
    (local $at i32) (local $pairsEnd i32)
    (local $wi v128) (local $gi v128) (local $mi v128) (local $vi v128)
    (local $STEP v128) (local $EPS v128) (local $B1 v128) (local $A1 v128)
    (local $B2 v128) (local $A2 v128) (local $KEEP v128) (local $COUPLED v128)
    (local $ws f64) (local $gs f64) (local $ms f64) (local $vs f64)
    (local.set $STEP (f64x2.splat (local.get $stepSize)))
    (local.set $EPS (f64x2.splat (local.get $eps)))
    (local.set $B1 (f64x2.splat (local.get $beta1)))
    (local.set $A1 (f64x2.splat (local.get $a1)))
    (local.set $B2 (f64x2.splat (local.get $beta2)))
    (local.set $A2 (f64x2.splat (local.get $a2)))
    (local.set $KEEP (f64x2.splat (local.get $keep)))
    (local.set $COUPLED (f64x2.splat (local.get $coupled)))
    ;; $at is the byte offset of the current element in all four arrays; pairs first.
    (local.set $pairsEnd (i32.shl (i32.and (local.get $n) (i32.const -2)) (i32.const 3)))
    (block $pairsDone
      (br_if $pairsDone (i32.ge_u (local.get $at) (local.get $pairsEnd)))
      (loop $pairs
        (local.set $wi (f64x2.mul (v128.load (i32.add (local.get $w) (local.get $at))) (local.get $KEEP)))
        (local.set $gi
          (f64x2.add (v128.load (i32.add (local.get $g) (local.get $at)))
            (f64x2.mul (local.get $wi) (local.get $COUPLED))))
        (local.set $mi
          (f64x2.add (f64x2.mul (v128.load (i32.add (local.get $m) (local.get $at))) (local.get $B1))
            (f64x2.mul (local.get $gi) (local.get $A1))))
        (local.set $vi
          (f64x2.add (f64x2.mul (v128.load (i32.add (local.get $v) (local.get $at))) (local.get $B2))
            (f64x2.mul (f64x2.mul (local.get $gi) (local.get $gi)) (local.get $A2))))
        (v128.store (i32.add (local.get $m) (local.get $at)) (local.get $mi))
        (v128.store (i32.add (local.get $v) (local.get $at)) (local.get $vi))
        (v128.store (i32.add (local.get $w) (local.get $at))
          (f64x2.sub (local.get $wi)
            (f64x2.div (f64x2.mul (local.get $STEP) (local.get $mi))
              (f64x2.add (f64x2.sqrt (local.get $vi)) (local.get $EPS)))))
        (local.set $at (i32.add (local.get $at) (i32.const 16)))
        (br_if $pairs (i32.lt_u (local.get $at) (local.get $pairsEnd)))))
    ;; The last element of an odd n: the same operations on one lane.
    (if (i32.and (local.get $n) (i32.const 1))
      (then
        (local.set $ws (f64.mul (f64.load (i32.add (local.get $w) (local.get $at))) (local.get $keep)))
        (local.set $gs
          (f64.add (f64.load (i32.add (local.get $g) (local.get $at)))
            (f64.mul (local.get $ws) (local.get $coupled))))
        (local.set $ms
          (f64.add (f64.mul (f64.load (i32.add (local.get $m) (local.get $at))) (local.get $beta1))
            (f64.mul (local.get $gs) (local.get $a1))))
        (local.set $vs
          (f64.add (f64.mul (f64.load (i32.add (local.get $v) (local.get $at))) (local.get $beta2))
            (f64.mul (f64.mul (local.get $gs) (local.get $gs)) (local.get $a2))))
        (f64.store (i32.add (local.get $m) (local.get $at)) (local.get $ms))
        (f64.store (i32.add (local.get $v) (local.get $at)) (local.get $vs))
        (f64.store (i32.add (local.get $w) (local.get $at))
          (f64.sub (local.get $ws)
            (f64.div (f64.mul (local.get $stepSize) (local.get $ms))
              (f64.add (f64.sqrt (local.get $vs)) (local.get $eps))))))))
;; adam for elements start ≤ i < end of the arrays at w, g, m, v, with the coefficients as eight
;; doubles at c (stepSize, eps, beta1, a1, beta2, a2, keep, coupled): only i32 arguments, so that a
;; worker thread can be handed it (see ../threads.ts). start is even, keeping every pair aligned.
  (func (export "adam_range")
      (param $w i32) (param $g i32) (param $m i32) (param $v i32)
      (param $start i32) (param $end i32) (param $c i32)
    (local $skip i32)
    (local.set $skip (i32.shl (local.get $start) (i32.const 3)))
    (call $adam
      (i32.add (local.get $w) (local.get $skip)) (i32.add (local.get $g) (local.get $skip))
      (i32.add (local.get $m) (local.get $skip)) (i32.add (local.get $v) (local.get $skip))
      (i32.sub (local.get $end) (local.get $start))
      (f64.load (local.get $c)) (f64.load offset=8 (local.get $c))
      (f64.load offset=16 (local.get $c)) (f64.load offset=24 (local.get $c))
      (f64.load offset=32 (local.get $c)) (f64.load offset=40 (local.get $c))
      (f64.load offset=48 (local.get $c)) (f64.load offset=56 (local.get $c))))
)
