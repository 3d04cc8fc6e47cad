;; The studio's own wasm SIMD kernels for the batch-norm families' training step on the CPU path
;; (index.ts loads them into tfjs-wasm's memory; assemble.ts turns this text into binary.ts).
;; XNNPACK's convolutions in tfjs-wasm 4.22 ran 6.6-8.3 GMAC/s on one thread at PreResNet's
;; 16-64 channels on this project's machine; the plain register-blocked loops below run about 20.
;; All pointers are byte offsets into tfjs-wasm's heap; maps are NHWC, filters HWIO.

(module
  (import "env" "memory" (memory 1))

  ;; xp [n, hp, wp, cp] = zeros with x [n, h, w, c] at rows before + s*y, columns before + s*x and
  ;; channels [0, c) (cp >= c): s = 1 pads a map for conv (cp > c: to a multiple of 4 channels for
  ;; filterGrad), s > 1 spreads a strided conv's output gradient for its input gradient.
  (func (export "spread") (param $x i32) (param $xp i32) (param $n i32) (param $h i32) (param $w i32)
        (param $c i32) (param $cp i32) (param $s i32) (param $before i32) (param $hp i32) (param $wp i32)
    (local $img i32) (local $y i32) (local $col i32) (local $from i32) (local $to i32) (local $cs i32)
    (local $cps i32)
    (local.set $cs (i32.shl (local.get $c) (i32.const 2)))
    (local.set $cps (i32.shl (local.get $cp) (i32.const 2)))
    (memory.fill (local.get $xp) (i32.const 0)
                 (i32.mul (i32.mul (i32.mul (local.get $n) (local.get $hp)) (local.get $wp)) (local.get $cps)))
    (local.set $from (local.get $x))
    (local.set $img (i32.const 0))
    (block $done (loop $images
      (br_if $done (i32.ge_u (local.get $img) (local.get $n)))
      (local.set $y (i32.const 0))
      (block $rowsDone (loop $rows
        (br_if $rowsDone (i32.ge_u (local.get $y) (local.get $h)))
        (local.set $to (i32.add (local.get $xp) (i32.mul (local.get $cps)
          (i32.add (i32.mul (i32.add (i32.mul (local.get $img) (local.get $hp))
                                     (i32.add (local.get $before) (i32.mul (local.get $s) (local.get $y))))
                            (local.get $wp))
                   (local.get $before)))))
        (if (i32.and (i32.eq (local.get $s) (i32.const 1)) (i32.eq (local.get $c) (local.get $cp)))
          (then
            (memory.copy (local.get $to) (local.get $from) (i32.mul (local.get $w) (local.get $cs)))
            (local.set $from (i32.add (local.get $from) (i32.mul (local.get $w) (local.get $cs)))))
          (else
            (local.set $col (i32.const 0))
            (block $colsDone (loop $cols
              (br_if $colsDone (i32.ge_u (local.get $col) (local.get $w)))
              (memory.copy (local.get $to) (local.get $from) (local.get $cs))
              (local.set $from (i32.add (local.get $from) (local.get $cs)))
              (local.set $to (i32.add (local.get $to) (i32.mul (local.get $s) (local.get $cps))))
              (local.set $col (i32.add (local.get $col) (i32.const 1)))
              (br $cols)))))
        (local.set $y (i32.add (local.get $y) (i32.const 1)))
        (br $rows)))
      (local.set $img (i32.add (local.get $img) (i32.const 1)))
      (br $images))))

  ;; x [n, h, w, c] = the inside of xp [n, h+2p, w+2p, c], p pixels from each side.
  (func (export "crop") (param $xp i32) (param $x i32) (param $n i32) (param $h i32) (param $w i32)
        (param $c i32) (param $p i32)
    (local $row i32) (local $rows i32) (local $rowBytes i32) (local $from i32) (local $hp i32) (local $wp i32)
    (local.set $hp (i32.add (local.get $h) (i32.shl (local.get $p) (i32.const 1))))
    (local.set $wp (i32.add (local.get $w) (i32.shl (local.get $p) (i32.const 1))))
    (local.set $rowBytes (i32.shl (i32.mul (local.get $w) (local.get $c)) (i32.const 2)))
    (local.set $rows (i32.mul (local.get $n) (local.get $h)))
    (local.set $row (i32.const 0))
    (block $done (loop $copy
      (br_if $done (i32.ge_u (local.get $row) (local.get $rows)))
      ;; row r of x is row (r / h) * hp + p + r % h of xp, from column p
      (local.set $from (i32.add (local.get $xp) (i32.shl (i32.mul (local.get $c)
        (i32.add (i32.mul (i32.add (i32.mul (i32.div_u (local.get $row) (local.get $h)) (local.get $hp))
                                   (i32.add (local.get $p) (i32.rem_u (local.get $row) (local.get $h))))
                          (local.get $wp))
                 (local.get $p))) (i32.const 2))))
      (memory.copy (i32.add (local.get $x) (i32.mul (local.get $row) (local.get $rowBytes))) (local.get $from) (local.get $rowBytes))
      (local.set $row (i32.add (local.get $row) (i32.const 1)))
      (br $copy))))

  ;; The input gradient of conv at stride s, tap by tap: dxp[n, s*y+i, s*x+j, :] += dz[n, y, x, :] times
  ;; the filter's tap (i, j) transposed, into dxp [n, hp, wp, c] (zeroed first; the input padded by
  ;; p, so hp = h + 2p). wtT is the filter flipped, [k, k, o, c] (convGradientKernels.ts's
  ;; flipFilterLoop): tap (i, j) is its [k-1-i, k-1-j]. c % 8 == 0. For s > 1 this skips the
  ;; zeros that spreading dz for conv would multiply (three quarters of them at stride 2).
  (func (export "convTranspose") (param $dz i32) (param $wtT i32) (param $dxp i32)
        (param $n i32) (param $ho i32) (param $wo i32) (param $o i32)
        (param $hp i32) (param $wp i32) (param $c i32) (param $k i32) (param $s i32)
    (local $img i32) (local $y i32) (local $x i32) (local $cb i32) (local $i i32) (local $j i32)
    (local $dq i32) (local $wq i32) (local $end i32) (local $out i32) (local $os i32) (local $cs i32)
    (local $step i32) (local $quad i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $c0 v128) (local $c1 v128) (local $c2 v128) (local $c3 v128)
    (local $w0 v128) (local $w1 v128) (local $v v128)
    (local.set $os (i32.shl (local.get $o) (i32.const 2)))
    (local.set $cs (i32.shl (local.get $c) (i32.const 2)))
    (local.set $step (i32.mul (local.get $s) (local.get $cs)))
    (memory.fill (local.get $dxp) (i32.const 0)
                 (i32.mul (i32.mul (i32.mul (local.get $n) (local.get $hp)) (local.get $wp)) (local.get $cs)))
    (local.set $img (i32.const 0))
    (block $imagesDone (loop $images
      (br_if $imagesDone (i32.ge_u (local.get $img) (local.get $n)))
      (local.set $y (i32.const 0))
      (block $rowsDone (loop $rows
        (br_if $rowsDone (i32.ge_u (local.get $y) (local.get $ho)))
        (local.set $x (i32.const 0))
        (block $pixelsDone (loop $pixels
          (br_if $pixelsDone (i32.ge_u (local.get $x) (local.get $wo)))
          ;; four pixels where four are left, else one (the others' accumulators stay unused)
          (local.set $quad (i32.le_u (i32.add (local.get $x) (i32.const 4)) (local.get $wo)))
          (local.set $cb (i32.const 0))
          (block $chanDone (loop $chans
            (br_if $chanDone (i32.ge_u (local.get $cb) (local.get $c)))
            (local.set $i (i32.const 0))
            (loop $tapRows
              (local.set $j (i32.const 0))
              (loop $taps
                (local.set $a0 (v128.const i32x4 0 0 0 0)) (local.set $a1 (v128.const i32x4 0 0 0 0))
                (local.set $a2 (v128.const i32x4 0 0 0 0)) (local.set $a3 (v128.const i32x4 0 0 0 0))
                (local.set $c0 (v128.const i32x4 0 0 0 0)) (local.set $c1 (v128.const i32x4 0 0 0 0))
                (local.set $c2 (v128.const i32x4 0 0 0 0)) (local.set $c3 (v128.const i32x4 0 0 0 0))
                (local.set $wq (i32.add (local.get $wtT) (i32.shl (i32.add (i32.mul (i32.add
                  (i32.mul (i32.sub (i32.sub (local.get $k) (i32.const 1)) (local.get $i)) (local.get $k))
                  (i32.sub (i32.sub (local.get $k) (i32.const 1)) (local.get $j))) (i32.mul (local.get $o) (local.get $c)))
                  (local.get $cb)) (i32.const 2))))
                (local.set $dq (i32.add (local.get $dz) (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $img) (local.get $ho))
                  (local.get $y)) (local.get $wo)) (local.get $x)) (local.get $os))))
                (local.set $end (i32.add (local.get $dq) (local.get $os)))
                (if (local.get $quad)
                  (then
                    (loop $inputs
                      (local.set $w0 (v128.load (local.get $wq)))
                      (local.set $w1 (v128.load offset=16 (local.get $wq)))
                      (local.set $v (v128.load32_splat (local.get $dq)))
                      (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $v) (local.get $w0))))
                      (local.set $c0 (f32x4.add (local.get $c0) (f32x4.mul (local.get $v) (local.get $w1))))
                      (local.set $v (v128.load32_splat (i32.add (local.get $dq) (local.get $os))))
                      (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $v) (local.get $w0))))
                      (local.set $c1 (f32x4.add (local.get $c1) (f32x4.mul (local.get $v) (local.get $w1))))
                      (local.set $v (v128.load32_splat (i32.add (local.get $dq) (i32.shl (local.get $os) (i32.const 1)))))
                      (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $v) (local.get $w0))))
                      (local.set $c2 (f32x4.add (local.get $c2) (f32x4.mul (local.get $v) (local.get $w1))))
                      (local.set $v (v128.load32_splat (i32.add (local.get $dq) (i32.mul (local.get $os) (i32.const 3)))))
                      (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $v) (local.get $w0))))
                      (local.set $c3 (f32x4.add (local.get $c3) (f32x4.mul (local.get $v) (local.get $w1))))
                      (local.set $wq (i32.add (local.get $wq) (local.get $cs)))
                      (local.set $dq (i32.add (local.get $dq) (i32.const 4)))
                      (br_if $inputs (i32.lt_u (local.get $dq) (local.get $end)))))
                  (else
                    (loop $inputs1
                      (local.set $v (v128.load32_splat (local.get $dq)))
                      (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $v) (v128.load (local.get $wq)))))
                      (local.set $c0 (f32x4.add (local.get $c0) (f32x4.mul (local.get $v) (v128.load offset=16 (local.get $wq)))))
                      (local.set $wq (i32.add (local.get $wq) (local.get $cs)))
                      (local.set $dq (i32.add (local.get $dq) (i32.const 4)))
                      (br_if $inputs1 (i32.lt_u (local.get $dq) (local.get $end))))))
                ;; out = &dxp[img, s*y + i, s*x + j, cb]
                (local.set $out (i32.add (local.get $dxp) (i32.add (i32.shl (local.get $cb) (i32.const 2)) (i32.mul (local.get $cs)
                  (i32.add (i32.mul (i32.add (i32.mul (local.get $img) (local.get $hp)) (i32.add (i32.mul (local.get $s) (local.get $y)) (local.get $i)))
                                    (local.get $wp))
                           (i32.add (i32.mul (local.get $s) (local.get $x)) (local.get $j)))))))
                (v128.store (local.get $out) (f32x4.add (v128.load (local.get $out)) (local.get $a0)))
                (v128.store offset=16 (local.get $out) (f32x4.add (v128.load offset=16 (local.get $out)) (local.get $c0)))
                (if (local.get $quad) (then
                  (local.set $out (i32.add (local.get $out) (local.get $step)))
                  (v128.store (local.get $out) (f32x4.add (v128.load (local.get $out)) (local.get $a1)))
                  (v128.store offset=16 (local.get $out) (f32x4.add (v128.load offset=16 (local.get $out)) (local.get $c1)))
                  (local.set $out (i32.add (local.get $out) (local.get $step)))
                  (v128.store (local.get $out) (f32x4.add (v128.load (local.get $out)) (local.get $a2)))
                  (v128.store offset=16 (local.get $out) (f32x4.add (v128.load offset=16 (local.get $out)) (local.get $c2)))
                  (local.set $out (i32.add (local.get $out) (local.get $step)))
                  (v128.store (local.get $out) (f32x4.add (v128.load (local.get $out)) (local.get $a3)))
                  (v128.store offset=16 (local.get $out) (f32x4.add (v128.load offset=16 (local.get $out)) (local.get $c3)))))
                (local.set $j (i32.add (local.get $j) (i32.const 1)))
                (br_if $taps (i32.lt_u (local.get $j) (local.get $k))))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br_if $tapRows (i32.lt_u (local.get $i) (local.get $k))))
            (local.set $cb (i32.add (local.get $cb) (i32.const 8)))
            (br $chans)))
          (local.set $x (i32.add (local.get $x) (select (i32.const 4) (i32.const 1) (local.get $quad))))
          (br $pixels)))
        (local.set $y (i32.add (local.get $y) (i32.const 1)))
        (br $rows)))
      (local.set $img (i32.add (local.get $img) (i32.const 1)))
      (br $images))))

  ;; out[n, ho, wo, o] = bias + sum over (i, j, ci) of xp[n, s*y+i, s*x+j, ci] * wt[i, j, ci, o], for an
  ;; already padded xp [n, hp, wp, c] and a k x k filter at stride s; bias 0 adds none. o % 8 == 0.
  ;; Blocks of 4 output pixels of a row by 8 output channels, 8 accumulators; the row's last
  ;; wo % 4 pixels one at a time.
  (func $conv (export "conv") (param $xp i32) (param $wt i32) (param $bias i32) (param $out i32)
        (param $n i32) (param $hp i32) (param $wp i32) (param $c i32)
        (param $ho i32) (param $wo i32) (param $o i32) (param $k i32) (param $s i32)
    (local $img i32) (local $y i32) (local $x i32) (local $co i32) (local $i i32) (local $j i32)
    (local $xq i32) (local $wq i32) (local $end i32) (local $px i32) (local $cs i32) (local $os i32)
    (local $rowBytes i32) (local $tapBytes i32) (local $op i32) (local $b0 v128) (local $b1 v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $c0 v128) (local $c1 v128) (local $c2 v128) (local $c3 v128)
    (local $w0 v128) (local $w1 v128) (local $v v128)
    (local.set $cs (i32.shl (local.get $c) (i32.const 2)))
    (local.set $os (i32.shl (local.get $o) (i32.const 2)))
    (local.set $rowBytes (i32.mul (local.get $wp) (local.get $cs)))
    (local.set $px (i32.mul (local.get $s) (local.get $cs)))
    (local.set $tapBytes (i32.mul (local.get $c) (local.get $os)))
    (local.set $op (local.get $out))
    (local.set $img (i32.const 0))
    (block $imagesDone (loop $images
      (br_if $imagesDone (i32.ge_u (local.get $img) (local.get $n)))
      (local.set $y (i32.const 0))
      (block $rowsDone (loop $rows
        (br_if $rowsDone (i32.ge_u (local.get $y) (local.get $ho)))
        (local.set $x (i32.const 0))
        ;; four pixels at a time
        (block $quadsDone (loop $quads
          (br_if $quadsDone (i32.gt_u (i32.add (local.get $x) (i32.const 4)) (local.get $wo)))
          (local.set $co (i32.const 0))
          (block $chanDone (loop $chans
            (br_if $chanDone (i32.ge_u (local.get $co) (local.get $o)))
            (local.set $b0 (v128.const i32x4 0 0 0 0))
            (local.set $b1 (v128.const i32x4 0 0 0 0))
            (if (local.get $bias) (then
              (local.set $b0 (v128.load (i32.add (local.get $bias) (i32.shl (local.get $co) (i32.const 2)))))
              (local.set $b1 (v128.load offset=16 (i32.add (local.get $bias) (i32.shl (local.get $co) (i32.const 2)))))))
            (local.set $a0 (local.get $b0)) (local.set $a1 (local.get $b0))
            (local.set $a2 (local.get $b0)) (local.set $a3 (local.get $b0))
            (local.set $c0 (local.get $b1)) (local.set $c1 (local.get $b1))
            (local.set $c2 (local.get $b1)) (local.set $c3 (local.get $b1))
            (local.set $wq (i32.add (local.get $wt) (i32.shl (local.get $co) (i32.const 2))))
            (local.set $i (i32.const 0))
            (loop $tapRows
              (local.set $j (i32.const 0))
              (loop $taps
                (local.set $xq (i32.add (local.get $xp)
                  (i32.add (i32.mul (i32.add (i32.mul (local.get $img) (local.get $hp))
                                             (i32.add (i32.mul (local.get $y) (local.get $s)) (local.get $i)))
                                    (local.get $rowBytes))
                           (i32.mul (i32.add (i32.mul (local.get $x) (local.get $s)) (local.get $j)) (local.get $cs)))))
                (local.set $end (i32.add (local.get $xq) (local.get $cs)))
                (loop $inputs
                  (local.set $w0 (v128.load (local.get $wq)))
                  (local.set $w1 (v128.load offset=16 (local.get $wq)))
                  (local.set $v (v128.load32_splat (local.get $xq)))
                  (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $v) (local.get $w0))))
                  (local.set $c0 (f32x4.add (local.get $c0) (f32x4.mul (local.get $v) (local.get $w1))))
                  (local.set $v (v128.load32_splat (i32.add (local.get $xq) (local.get $px))))
                  (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $v) (local.get $w0))))
                  (local.set $c1 (f32x4.add (local.get $c1) (f32x4.mul (local.get $v) (local.get $w1))))
                  (local.set $v (v128.load32_splat (i32.add (local.get $xq) (i32.shl (local.get $px) (i32.const 1)))))
                  (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $v) (local.get $w0))))
                  (local.set $c2 (f32x4.add (local.get $c2) (f32x4.mul (local.get $v) (local.get $w1))))
                  (local.set $v (v128.load32_splat (i32.add (local.get $xq) (i32.mul (local.get $px) (i32.const 3)))))
                  (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $v) (local.get $w0))))
                  (local.set $c3 (f32x4.add (local.get $c3) (f32x4.mul (local.get $v) (local.get $w1))))
                  (local.set $wq (i32.add (local.get $wq) (local.get $os)))
                  (local.set $xq (i32.add (local.get $xq) (i32.const 4)))
                  (br_if $inputs (i32.lt_u (local.get $xq) (local.get $end))))
                (local.set $j (i32.add (local.get $j) (i32.const 1)))
                (br_if $taps (i32.lt_u (local.get $j) (local.get $k))))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br_if $tapRows (i32.lt_u (local.get $i) (local.get $k))))
            (local.set $xq (i32.add (local.get $op) (i32.shl (local.get $co) (i32.const 2))))
            (v128.store (local.get $xq) (local.get $a0))
            (v128.store offset=16 (local.get $xq) (local.get $c0))
            (local.set $xq (i32.add (local.get $xq) (local.get $os)))
            (v128.store (local.get $xq) (local.get $a1))
            (v128.store offset=16 (local.get $xq) (local.get $c1))
            (local.set $xq (i32.add (local.get $xq) (local.get $os)))
            (v128.store (local.get $xq) (local.get $a2))
            (v128.store offset=16 (local.get $xq) (local.get $c2))
            (local.set $xq (i32.add (local.get $xq) (local.get $os)))
            (v128.store (local.get $xq) (local.get $a3))
            (v128.store offset=16 (local.get $xq) (local.get $c3))
            (local.set $co (i32.add (local.get $co) (i32.const 8)))
            (br $chans)))
          (local.set $op (i32.add (local.get $op) (i32.shl (local.get $os) (i32.const 2))))
          (local.set $x (i32.add (local.get $x) (i32.const 4)))
          (br $quads)))
        ;; the rest of the row, one pixel at a time
        (block $singlesDone (loop $singles
          (br_if $singlesDone (i32.ge_u (local.get $x) (local.get $wo)))
          (local.set $co (i32.const 0))
          (block $chanDone1 (loop $chans1
            (br_if $chanDone1 (i32.ge_u (local.get $co) (local.get $o)))
            (local.set $a0 (v128.const i32x4 0 0 0 0))
            (local.set $c0 (v128.const i32x4 0 0 0 0))
            (if (local.get $bias) (then
              (local.set $a0 (v128.load (i32.add (local.get $bias) (i32.shl (local.get $co) (i32.const 2)))))
              (local.set $c0 (v128.load offset=16 (i32.add (local.get $bias) (i32.shl (local.get $co) (i32.const 2)))))))
            (local.set $wq (i32.add (local.get $wt) (i32.shl (local.get $co) (i32.const 2))))
            (local.set $i (i32.const 0))
            (loop $tapRows1
              (local.set $j (i32.const 0))
              (loop $taps1
                (local.set $xq (i32.add (local.get $xp)
                  (i32.add (i32.mul (i32.add (i32.mul (local.get $img) (local.get $hp))
                                             (i32.add (i32.mul (local.get $y) (local.get $s)) (local.get $i)))
                                    (local.get $rowBytes))
                           (i32.mul (i32.add (i32.mul (local.get $x) (local.get $s)) (local.get $j)) (local.get $cs)))))
                (local.set $end (i32.add (local.get $xq) (local.get $cs)))
                (loop $inputs1
                  (local.set $v (v128.load32_splat (local.get $xq)))
                  (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $v) (v128.load (local.get $wq)))))
                  (local.set $c0 (f32x4.add (local.get $c0) (f32x4.mul (local.get $v) (v128.load offset=16 (local.get $wq)))))
                  (local.set $wq (i32.add (local.get $wq) (local.get $os)))
                  (local.set $xq (i32.add (local.get $xq) (i32.const 4)))
                  (br_if $inputs1 (i32.lt_u (local.get $xq) (local.get $end))))
                (local.set $j (i32.add (local.get $j) (i32.const 1)))
                (br_if $taps1 (i32.lt_u (local.get $j) (local.get $k))))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br_if $tapRows1 (i32.lt_u (local.get $i) (local.get $k))))
            (local.set $xq (i32.add (local.get $op) (i32.shl (local.get $co) (i32.const 2))))
            (v128.store (local.get $xq) (local.get $a0))
            (v128.store offset=16 (local.get $xq) (local.get $c0))
            (local.set $co (i32.add (local.get $co) (i32.const 8)))
            (br $chans1)))
          (local.set $op (i32.add (local.get $op) (local.get $os)))
          (local.set $x (i32.add (local.get $x) (i32.const 1)))
          (br $singles)))
        (local.set $y (i32.add (local.get $y) (i32.const 1)))
        (br $rows)))
      (local.set $img (i32.add (local.get $img) (i32.const 1)))
      (br $images))))

  ;; dw[i, j, ci, o] = sum over (n, y, x) of xp[n, s*y+i, s*x+j, ci] * dz[n, y, x, o]: the filter
  ;; gradient of conv above, for c % 4 == 0 and o % 8 == 0. Blocks of 4 input by 8 output
  ;; channels of one tap, 8 accumulators, summed over one image at a time (its maps stay in
  ;; cache while every block passes over them) into dw, which starts at zero.
  (func (export "filterGrad") (param $xp i32) (param $dz i32) (param $dw i32)
        (param $n i32) (param $hp i32) (param $wp i32) (param $c i32)
        (param $ho i32) (param $wo i32) (param $o i32) (param $k i32) (param $s i32)
    (local $img i32) (local $y i32) (local $ci i32) (local $co i32) (local $i i32) (local $j i32)
    (local $xq i32) (local $dq i32) (local $rowEnd i32) (local $acc i32) (local $cs i32) (local $os i32)
    (local $px i32) (local $rowBytes i32) (local $xImage i32) (local $dImage i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $c0 v128) (local $c1 v128) (local $c2 v128) (local $c3 v128)
    (local $d0 v128) (local $d1 v128) (local $v v128)
    (local.set $cs (i32.shl (local.get $c) (i32.const 2)))
    (local.set $os (i32.shl (local.get $o) (i32.const 2)))
    (local.set $px (i32.mul (local.get $s) (local.get $cs)))
    (local.set $rowBytes (i32.mul (local.get $wp) (local.get $cs)))
    (memory.fill (local.get $dw) (i32.const 0)
                 (i32.mul (i32.mul (i32.mul (local.get $k) (local.get $k)) (local.get $c)) (local.get $os)))
    (local.set $img (i32.const 0))
    (block $imagesDone (loop $images
      (br_if $imagesDone (i32.ge_u (local.get $img) (local.get $n)))
      (local.set $xImage (i32.add (local.get $xp) (i32.mul (i32.mul (local.get $img) (local.get $hp)) (local.get $rowBytes))))
      (local.set $dImage (i32.add (local.get $dz)
        (i32.mul (i32.mul (i32.mul (local.get $img) (local.get $ho)) (local.get $wo)) (local.get $os))))
      (local.set $i (i32.const 0))
      (loop $tapRows
        (local.set $j (i32.const 0))
        (loop $taps
          (local.set $ci (i32.const 0))
          (loop $inputs
            (local.set $co (i32.const 0))
            (loop $outputs
              ;; acc = &dw[i, j, ci, co]
              (local.set $acc (i32.add (local.get $dw)
                (i32.shl (i32.add (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $i) (local.get $k)) (local.get $j))
                                                             (local.get $c)) (local.get $ci)) (local.get $o))
                                  (local.get $co)) (i32.const 2))))
              (local.set $a0 (v128.load (local.get $acc)))
              (local.set $c0 (v128.load offset=16 (local.get $acc)))
              (local.set $a1 (v128.load (i32.add (local.get $acc) (local.get $os))))
              (local.set $c1 (v128.load offset=16 (i32.add (local.get $acc) (local.get $os))))
              (local.set $a2 (v128.load (i32.add (local.get $acc) (i32.shl (local.get $os) (i32.const 1)))))
              (local.set $c2 (v128.load offset=16 (i32.add (local.get $acc) (i32.shl (local.get $os) (i32.const 1)))))
              (local.set $a3 (v128.load (i32.add (local.get $acc) (i32.mul (local.get $os) (i32.const 3)))))
              (local.set $c3 (v128.load offset=16 (i32.add (local.get $acc) (i32.mul (local.get $os) (i32.const 3)))))
              (local.set $dq (i32.add (local.get $dImage) (i32.shl (local.get $co) (i32.const 2))))
              (local.set $y (i32.const 0))
              (loop $rows
                (local.set $xq (i32.add (local.get $xImage)
                  (i32.add (i32.mul (i32.add (i32.mul (local.get $y) (local.get $s)) (local.get $i)) (local.get $rowBytes))
                           (i32.shl (i32.add (i32.mul (local.get $j) (local.get $c)) (local.get $ci)) (i32.const 2)))))
                (local.set $rowEnd (i32.add (local.get $dq) (i32.mul (local.get $wo) (local.get $os))))
                (loop $pixels
                  (local.set $d0 (v128.load (local.get $dq)))
                  (local.set $d1 (v128.load offset=16 (local.get $dq)))
                  (local.set $v (v128.load32_splat (local.get $xq)))
                  (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $v) (local.get $d0))))
                  (local.set $c0 (f32x4.add (local.get $c0) (f32x4.mul (local.get $v) (local.get $d1))))
                  (local.set $v (v128.load32_splat offset=4 (local.get $xq)))
                  (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $v) (local.get $d0))))
                  (local.set $c1 (f32x4.add (local.get $c1) (f32x4.mul (local.get $v) (local.get $d1))))
                  (local.set $v (v128.load32_splat offset=8 (local.get $xq)))
                  (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $v) (local.get $d0))))
                  (local.set $c2 (f32x4.add (local.get $c2) (f32x4.mul (local.get $v) (local.get $d1))))
                  (local.set $v (v128.load32_splat offset=12 (local.get $xq)))
                  (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $v) (local.get $d0))))
                  (local.set $c3 (f32x4.add (local.get $c3) (f32x4.mul (local.get $v) (local.get $d1))))
                  (local.set $xq (i32.add (local.get $xq) (local.get $px)))
                  (local.set $dq (i32.add (local.get $dq) (local.get $os)))
                  (br_if $pixels (i32.lt_u (local.get $dq) (local.get $rowEnd))))
                (local.set $y (i32.add (local.get $y) (i32.const 1)))
                (br_if $rows (i32.lt_u (local.get $y) (local.get $ho))))
              (v128.store (local.get $acc) (local.get $a0))
              (v128.store offset=16 (local.get $acc) (local.get $c0))
              (local.set $acc (i32.add (local.get $acc) (local.get $os)))
              (v128.store (local.get $acc) (local.get $a1))
              (v128.store offset=16 (local.get $acc) (local.get $c1))
              (local.set $acc (i32.add (local.get $acc) (local.get $os)))
              (v128.store (local.get $acc) (local.get $a2))
              (v128.store offset=16 (local.get $acc) (local.get $c2))
              (local.set $acc (i32.add (local.get $acc) (local.get $os)))
              (v128.store (local.get $acc) (local.get $a3))
              (v128.store offset=16 (local.get $acc) (local.get $c3))
              (local.set $co (i32.add (local.get $co) (i32.const 8)))
              (br_if $outputs (i32.lt_u (local.get $co) (local.get $o))))
            (local.set $ci (i32.add (local.get $ci) (i32.const 4)))
            (br_if $inputs (i32.lt_u (local.get $ci) (local.get $c))))
          (local.set $j (i32.add (local.get $j) (i32.const 1)))
          (br_if $taps (i32.lt_u (local.get $j) (local.get $k))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $tapRows (i32.lt_u (local.get $i) (local.get $k))))
      (local.set $img (i32.add (local.get $img) (i32.const 1)))
      (br $images))))

  ;; Winograd F(2x2, 3x3) (Lavin and Gray, 2016) for the 3x3 convs at stride 1: each 2x2 block of
  ;; outputs from its 4x4 patch with 16 products per channel pair instead of 36, as 16 matrix
  ;; products over the blocks ($conv with k = 1) between the patches' and the filter's transforms:
  ;; U = G g G^T, V = B^T d B, Y = A^T M A with
  ;;   G = [1 0 0; .5 .5 .5; .5 -.5 .5; 0 0 1], B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1],
  ;;   A^T = [1 1 1 0; 0 1 -1 -1].
  ;; Its rounding differs from the direct sum's by a few float32 ulps of the largest term.

  ;; u [16, c, o] = the filter wt [3, 3, c, o] transformed: position (xi, nu) at u + (4 xi + nu) c o.
  (func (export "winogradFilter") (param $wt i32) (param $u i32) (param $c i32) (param $o i32)
    (local $q i32) (local $tap i32) (local $half v128)
    (local $g00 v128) (local $g01 v128) (local $g02 v128)
    (local $g10 v128) (local $g11 v128) (local $g12 v128)
    (local $g20 v128) (local $g21 v128) (local $g22 v128)
    (local $t00 v128) (local $t01 v128) (local $t02 v128)
    (local $t10 v128) (local $t11 v128) (local $t12 v128)
    (local $t20 v128) (local $t21 v128) (local $t22 v128)
    (local $t30 v128) (local $t31 v128) (local $t32 v128)
    (local.set $half (f32x4.splat (f32.const 0.5)))
    (local.set $tap (i32.shl (i32.mul (local.get $c) (local.get $o)) (i32.const 2)))
    (local.set $q (i32.const 0))
    ;; four (ci, co) pairs at a time, the same floats of every tap
    (loop $pairs
      (local.set $g00 (v128.load (i32.add (local.get $wt) (i32.add (local.get $q) (i32.mul (local.get $tap) (i32.const 0))))))
      (local.set $g01 (v128.load (i32.add (local.get $wt) (i32.add (local.get $q) (i32.mul (local.get $tap) (i32.const 1))))))
      (local.set $g02 (v128.load (i32.add (local.get $wt) (i32.add (local.get $q) (i32.mul (local.get $tap) (i32.const 2))))))
      (local.set $g10 (v128.load (i32.add (local.get $wt) (i32.add (local.get $q) (i32.mul (local.get $tap) (i32.const 3))))))
      (local.set $g11 (v128.load (i32.add (local.get $wt) (i32.add (local.get $q) (i32.mul (local.get $tap) (i32.const 4))))))
      (local.set $g12 (v128.load (i32.add (local.get $wt) (i32.add (local.get $q) (i32.mul (local.get $tap) (i32.const 5))))))
      (local.set $g20 (v128.load (i32.add (local.get $wt) (i32.add (local.get $q) (i32.mul (local.get $tap) (i32.const 6))))))
      (local.set $g21 (v128.load (i32.add (local.get $wt) (i32.add (local.get $q) (i32.mul (local.get $tap) (i32.const 7))))))
      (local.set $g22 (v128.load (i32.add (local.get $wt) (i32.add (local.get $q) (i32.mul (local.get $tap) (i32.const 8))))))
      ;; t = G g
      (local.set $t00 (local.get $g00))
      (local.set $t10 (f32x4.mul (local.get $half) (f32x4.add (f32x4.add (local.get $g00) (local.get $g10)) (local.get $g20))))
      (local.set $t20 (f32x4.mul (local.get $half) (f32x4.add (f32x4.sub (local.get $g00) (local.get $g10)) (local.get $g20))))
      (local.set $t30 (local.get $g20))
      (local.set $t01 (local.get $g01))
      (local.set $t11 (f32x4.mul (local.get $half) (f32x4.add (f32x4.add (local.get $g01) (local.get $g11)) (local.get $g21))))
      (local.set $t21 (f32x4.mul (local.get $half) (f32x4.add (f32x4.sub (local.get $g01) (local.get $g11)) (local.get $g21))))
      (local.set $t31 (local.get $g21))
      (local.set $t02 (local.get $g02))
      (local.set $t12 (f32x4.mul (local.get $half) (f32x4.add (f32x4.add (local.get $g02) (local.get $g12)) (local.get $g22))))
      (local.set $t22 (f32x4.mul (local.get $half) (f32x4.add (f32x4.sub (local.get $g02) (local.get $g12)) (local.get $g22))))
      (local.set $t32 (local.get $g22))
      ;; U = t G^T
      (v128.store (i32.add (local.get $u) (i32.add (local.get $q) (i32.mul (local.get $tap) (i32.const 0)))) (local.get $t00))
      (v128.store (i32.add (local.get $u) (i32.add (local.get $q) (i32.mul (local.get $tap) (i32.const 1)))) (f32x4.mul (local.get $half) (f32x4.add (f32x4.add (local.get $t00) (local.get $t01)) (local.get $t02))))
      (v128.store (i32.add (local.get $u) (i32.add (local.get $q) (i32.mul (local.get $tap) (i32.const 2)))) (f32x4.mul (local.get $half) (f32x4.add (f32x4.sub (local.get $t00) (local.get $t01)) (local.get $t02))))
      (v128.store (i32.add (local.get $u) (i32.add (local.get $q) (i32.mul (local.get $tap) (i32.const 3)))) (local.get $t02))
      (v128.store (i32.add (local.get $u) (i32.add (local.get $q) (i32.mul (local.get $tap) (i32.const 4)))) (local.get $t10))
      (v128.store (i32.add (local.get $u) (i32.add (local.get $q) (i32.mul (local.get $tap) (i32.const 5)))) (f32x4.mul (local.get $half) (f32x4.add (f32x4.add (local.get $t10) (local.get $t11)) (local.get $t12))))
      (v128.store (i32.add (local.get $u) (i32.add (local.get $q) (i32.mul (local.get $tap) (i32.const 6)))) (f32x4.mul (local.get $half) (f32x4.add (f32x4.sub (local.get $t10) (local.get $t11)) (local.get $t12))))
      (v128.store (i32.add (local.get $u) (i32.add (local.get $q) (i32.mul (local.get $tap) (i32.const 7)))) (local.get $t12))
      (v128.store (i32.add (local.get $u) (i32.add (local.get $q) (i32.mul (local.get $tap) (i32.const 8)))) (local.get $t20))
      (v128.store (i32.add (local.get $u) (i32.add (local.get $q) (i32.mul (local.get $tap) (i32.const 9)))) (f32x4.mul (local.get $half) (f32x4.add (f32x4.add (local.get $t20) (local.get $t21)) (local.get $t22))))
      (v128.store (i32.add (local.get $u) (i32.add (local.get $q) (i32.mul (local.get $tap) (i32.const 10)))) (f32x4.mul (local.get $half) (f32x4.add (f32x4.sub (local.get $t20) (local.get $t21)) (local.get $t22))))
      (v128.store (i32.add (local.get $u) (i32.add (local.get $q) (i32.mul (local.get $tap) (i32.const 11)))) (local.get $t22))
      (v128.store (i32.add (local.get $u) (i32.add (local.get $q) (i32.mul (local.get $tap) (i32.const 12)))) (local.get $t30))
      (v128.store (i32.add (local.get $u) (i32.add (local.get $q) (i32.mul (local.get $tap) (i32.const 13)))) (f32x4.mul (local.get $half) (f32x4.add (f32x4.add (local.get $t30) (local.get $t31)) (local.get $t32))))
      (v128.store (i32.add (local.get $u) (i32.add (local.get $q) (i32.mul (local.get $tap) (i32.const 14)))) (f32x4.mul (local.get $half) (f32x4.add (f32x4.sub (local.get $t30) (local.get $t31)) (local.get $t32))))
      (v128.store (i32.add (local.get $u) (i32.add (local.get $q) (i32.mul (local.get $tap) (i32.const 15)))) (local.get $t32))
      (local.set $q (i32.add (local.get $q) (i32.const 16)))
      (br_if $pairs (i32.lt_u (local.get $q) (local.get $tap)))))

  ;; v [16, t, c] = the 4x4 patches of one padded image xp [., wp, c] transformed: tile (ty, tx) is the
  ;; patch from row 2ty and column 2tx, t = th tw tiles in row-major order. c % 4 == 0. A row of
  ;; B^T d B at a time, from the two rows of d it reads (few values live: no spills).
  (func $winogradInput (param $xp i32) (param $v i32) (param $wp i32) (param $c i32) (param $th i32) (param $tw i32)
    (local $ty i32) (local $tx i32) (local $cb i32) (local $cs i32) (local $row i32) (local $at i32)
    (local $plane i32) (local $to i32) (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    (local.set $cs (i32.shl (local.get $c) (i32.const 2)))
    (local.set $row (i32.mul (local.get $wp) (local.get $cs)))
    ;; planes a cache line apart from a multiple of 4 KiB: sixteen stores to one L1 set evicted each other
    (local.set $plane (i32.add (i32.mul (i32.mul (local.get $th) (local.get $tw)) (local.get $cs)) (i32.const 64)))
    (local.set $to (local.get $v))
    (local.set $ty (i32.const 0))
    (loop $tileRows
      (local.set $tx (i32.const 0))
      (loop $tiles
        (local.set $cb (i32.const 0))
        (loop $blocks
          (local.set $at (i32.add (i32.add (local.get $xp) (local.get $cb))
            (i32.add (i32.mul (i32.shl (local.get $ty) (i32.const 1)) (local.get $row))
                     (i32.mul (i32.shl (local.get $tx) (i32.const 1)) (local.get $cs)))))
          ;; row 0 of B^T d, then times B
          (local.set $t0 (f32x4.sub (v128.load (i32.add (local.get $at) (i32.add (i32.mul (local.get $row) (i32.const 0)) (i32.mul (local.get $cs) (i32.const 0))))) (v128.load (i32.add (local.get $at) (i32.add (i32.mul (local.get $row) (i32.const 2)) (i32.mul (local.get $cs) (i32.const 0)))))))
          (local.set $t1 (f32x4.sub (v128.load (i32.add (local.get $at) (i32.add (i32.mul (local.get $row) (i32.const 0)) (i32.mul (local.get $cs) (i32.const 1))))) (v128.load (i32.add (local.get $at) (i32.add (i32.mul (local.get $row) (i32.const 2)) (i32.mul (local.get $cs) (i32.const 1)))))))
          (local.set $t2 (f32x4.sub (v128.load (i32.add (local.get $at) (i32.add (i32.mul (local.get $row) (i32.const 0)) (i32.mul (local.get $cs) (i32.const 2))))) (v128.load (i32.add (local.get $at) (i32.add (i32.mul (local.get $row) (i32.const 2)) (i32.mul (local.get $cs) (i32.const 2)))))))
          (local.set $t3 (f32x4.sub (v128.load (i32.add (local.get $at) (i32.add (i32.mul (local.get $row) (i32.const 0)) (i32.mul (local.get $cs) (i32.const 3))))) (v128.load (i32.add (local.get $at) (i32.add (i32.mul (local.get $row) (i32.const 2)) (i32.mul (local.get $cs) (i32.const 3)))))))
          (v128.store (i32.add (local.get $to) (i32.add (local.get $cb) (i32.mul (local.get $plane) (i32.const 0)))) (f32x4.sub (local.get $t0) (local.get $t2)))
          (v128.store (i32.add (local.get $to) (i32.add (local.get $cb) (i32.mul (local.get $plane) (i32.const 1)))) (f32x4.add (local.get $t1) (local.get $t2)))
          (v128.store (i32.add (local.get $to) (i32.add (local.get $cb) (i32.mul (local.get $plane) (i32.const 2)))) (f32x4.sub (local.get $t2) (local.get $t1)))
          (v128.store (i32.add (local.get $to) (i32.add (local.get $cb) (i32.mul (local.get $plane) (i32.const 3)))) (f32x4.sub (local.get $t1) (local.get $t3)))
          ;; row 1 of B^T d, then times B
          (local.set $t0 (f32x4.add (v128.load (i32.add (local.get $at) (i32.add (i32.mul (local.get $row) (i32.const 1)) (i32.mul (local.get $cs) (i32.const 0))))) (v128.load (i32.add (local.get $at) (i32.add (i32.mul (local.get $row) (i32.const 2)) (i32.mul (local.get $cs) (i32.const 0)))))))
          (local.set $t1 (f32x4.add (v128.load (i32.add (local.get $at) (i32.add (i32.mul (local.get $row) (i32.const 1)) (i32.mul (local.get $cs) (i32.const 1))))) (v128.load (i32.add (local.get $at) (i32.add (i32.mul (local.get $row) (i32.const 2)) (i32.mul (local.get $cs) (i32.const 1)))))))
          (local.set $t2 (f32x4.add (v128.load (i32.add (local.get $at) (i32.add (i32.mul (local.get $row) (i32.const 1)) (i32.mul (local.get $cs) (i32.const 2))))) (v128.load (i32.add (local.get $at) (i32.add (i32.mul (local.get $row) (i32.const 2)) (i32.mul (local.get $cs) (i32.const 2)))))))
          (local.set $t3 (f32x4.add (v128.load (i32.add (local.get $at) (i32.add (i32.mul (local.get $row) (i32.const 1)) (i32.mul (local.get $cs) (i32.const 3))))) (v128.load (i32.add (local.get $at) (i32.add (i32.mul (local.get $row) (i32.const 2)) (i32.mul (local.get $cs) (i32.const 3)))))))
          (v128.store (i32.add (local.get $to) (i32.add (local.get $cb) (i32.mul (local.get $plane) (i32.const 4)))) (f32x4.sub (local.get $t0) (local.get $t2)))
          (v128.store (i32.add (local.get $to) (i32.add (local.get $cb) (i32.mul (local.get $plane) (i32.const 5)))) (f32x4.add (local.get $t1) (local.get $t2)))
          (v128.store (i32.add (local.get $to) (i32.add (local.get $cb) (i32.mul (local.get $plane) (i32.const 6)))) (f32x4.sub (local.get $t2) (local.get $t1)))
          (v128.store (i32.add (local.get $to) (i32.add (local.get $cb) (i32.mul (local.get $plane) (i32.const 7)))) (f32x4.sub (local.get $t1) (local.get $t3)))
          ;; row 2 of B^T d, then times B
          (local.set $t0 (f32x4.sub (v128.load (i32.add (local.get $at) (i32.add (i32.mul (local.get $row) (i32.const 2)) (i32.mul (local.get $cs) (i32.const 0))))) (v128.load (i32.add (local.get $at) (i32.add (i32.mul (local.get $row) (i32.const 1)) (i32.mul (local.get $cs) (i32.const 0)))))))
          (local.set $t1 (f32x4.sub (v128.load (i32.add (local.get $at) (i32.add (i32.mul (local.get $row) (i32.const 2)) (i32.mul (local.get $cs) (i32.const 1))))) (v128.load (i32.add (local.get $at) (i32.add (i32.mul (local.get $row) (i32.const 1)) (i32.mul (local.get $cs) (i32.const 1)))))))
          (local.set $t2 (f32x4.sub (v128.load (i32.add (local.get $at) (i32.add (i32.mul (local.get $row) (i32.const 2)) (i32.mul (local.get $cs) (i32.const 2))))) (v128.load (i32.add (local.get $at) (i32.add (i32.mul (local.get $row) (i32.const 1)) (i32.mul (local.get $cs) (i32.const 2)))))))
          (local.set $t3 (f32x4.sub (v128.load (i32.add (local.get $at) (i32.add (i32.mul (local.get $row) (i32.const 2)) (i32.mul (local.get $cs) (i32.const 3))))) (v128.load (i32.add (local.get $at) (i32.add (i32.mul (local.get $row) (i32.const 1)) (i32.mul (local.get $cs) (i32.const 3)))))))
          (v128.store (i32.add (local.get $to) (i32.add (local.get $cb) (i32.mul (local.get $plane) (i32.const 8)))) (f32x4.sub (local.get $t0) (local.get $t2)))
          (v128.store (i32.add (local.get $to) (i32.add (local.get $cb) (i32.mul (local.get $plane) (i32.const 9)))) (f32x4.add (local.get $t1) (local.get $t2)))
          (v128.store (i32.add (local.get $to) (i32.add (local.get $cb) (i32.mul (local.get $plane) (i32.const 10)))) (f32x4.sub (local.get $t2) (local.get $t1)))
          (v128.store (i32.add (local.get $to) (i32.add (local.get $cb) (i32.mul (local.get $plane) (i32.const 11)))) (f32x4.sub (local.get $t1) (local.get $t3)))
          ;; row 3 of B^T d, then times B
          (local.set $t0 (f32x4.sub (v128.load (i32.add (local.get $at) (i32.add (i32.mul (local.get $row) (i32.const 1)) (i32.mul (local.get $cs) (i32.const 0))))) (v128.load (i32.add (local.get $at) (i32.add (i32.mul (local.get $row) (i32.const 3)) (i32.mul (local.get $cs) (i32.const 0)))))))
          (local.set $t1 (f32x4.sub (v128.load (i32.add (local.get $at) (i32.add (i32.mul (local.get $row) (i32.const 1)) (i32.mul (local.get $cs) (i32.const 1))))) (v128.load (i32.add (local.get $at) (i32.add (i32.mul (local.get $row) (i32.const 3)) (i32.mul (local.get $cs) (i32.const 1)))))))
          (local.set $t2 (f32x4.sub (v128.load (i32.add (local.get $at) (i32.add (i32.mul (local.get $row) (i32.const 1)) (i32.mul (local.get $cs) (i32.const 2))))) (v128.load (i32.add (local.get $at) (i32.add (i32.mul (local.get $row) (i32.const 3)) (i32.mul (local.get $cs) (i32.const 2)))))))
          (local.set $t3 (f32x4.sub (v128.load (i32.add (local.get $at) (i32.add (i32.mul (local.get $row) (i32.const 1)) (i32.mul (local.get $cs) (i32.const 3))))) (v128.load (i32.add (local.get $at) (i32.add (i32.mul (local.get $row) (i32.const 3)) (i32.mul (local.get $cs) (i32.const 3)))))))
          (v128.store (i32.add (local.get $to) (i32.add (local.get $cb) (i32.mul (local.get $plane) (i32.const 12)))) (f32x4.sub (local.get $t0) (local.get $t2)))
          (v128.store (i32.add (local.get $to) (i32.add (local.get $cb) (i32.mul (local.get $plane) (i32.const 13)))) (f32x4.add (local.get $t1) (local.get $t2)))
          (v128.store (i32.add (local.get $to) (i32.add (local.get $cb) (i32.mul (local.get $plane) (i32.const 14)))) (f32x4.sub (local.get $t2) (local.get $t1)))
          (v128.store (i32.add (local.get $to) (i32.add (local.get $cb) (i32.mul (local.get $plane) (i32.const 15)))) (f32x4.sub (local.get $t1) (local.get $t3)))
          (local.set $cb (i32.add (local.get $cb) (i32.const 16)))
          (br_if $blocks (i32.lt_u (local.get $cb) (local.get $cs))))
        (local.set $to (i32.add (local.get $to) (local.get $cs)))
        (local.set $tx (i32.add (local.get $tx) (i32.const 1)))
        (br_if $tiles (i32.lt_u (local.get $tx) (local.get $tw))))
      (local.set $ty (i32.add (local.get $ty) (i32.const 1)))
      (br_if $tileRows (i32.lt_u (local.get $ty) (local.get $th)))))

  ;; out [ho, wo, o] of one image (+ bias where bias is not 0) from m [16, t, o], the products of the
  ;; tiles' transforms: Y = A^T M A, each tile's 2x2 outputs, those inside ho x wo. o % 4 == 0. A row
  ;; of Y at a time, from the three rows of M it reads.
  (func $winogradOutput (param $m i32) (param $out i32) (param $bias i32) (param $ho i32) (param $wo i32)
        (param $o i32) (param $th i32) (param $tw i32)
    (local $ty i32) (local $tx i32) (local $cb i32) (local $os i32) (local $plane i32) (local $from i32)
    (local $at i32) (local $b v128) (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128)
    (local $right i32)
    (local.set $os (i32.shl (local.get $o) (i32.const 2)))
    (local.set $plane (i32.add (i32.mul (i32.mul (local.get $th) (local.get $tw)) (local.get $os)) (i32.const 64)))
    (local.set $from (local.get $m))
    (local.set $ty (i32.const 0))
    (loop $tileRows
      (local.set $tx (i32.const 0))
      (loop $tiles
        (local.set $right (i32.lt_u (i32.add (i32.shl (local.get $tx) (i32.const 1)) (i32.const 1)) (local.get $wo)))
        (local.set $cb (i32.const 0))
        (loop $blocks
          (local.set $b (v128.const i32x4 0 0 0 0))
          (if (local.get $bias) (then (local.set $b (v128.load (i32.add (local.get $bias) (local.get $cb))))))
          ;; at = &out[2ty, 2tx, cb]
          (local.set $at (i32.add (i32.add (local.get $out) (local.get $cb))
            (i32.mul (i32.add (i32.mul (i32.shl (local.get $ty) (i32.const 1)) (local.get $wo))
                              (i32.shl (local.get $tx) (i32.const 1))) (local.get $os))))
          ;; row 0 of A^T M, then times A
          (local.set $s0 (f32x4.add (f32x4.add (v128.load (i32.add (local.get $from) (i32.add (local.get $cb) (i32.mul (local.get $plane) (i32.const 0))))) (v128.load (i32.add (local.get $from) (i32.add (local.get $cb) (i32.mul (local.get $plane) (i32.const 4)))))) (v128.load (i32.add (local.get $from) (i32.add (local.get $cb) (i32.mul (local.get $plane) (i32.const 8)))))))
          (local.set $s1 (f32x4.add (f32x4.add (v128.load (i32.add (local.get $from) (i32.add (local.get $cb) (i32.mul (local.get $plane) (i32.const 1))))) (v128.load (i32.add (local.get $from) (i32.add (local.get $cb) (i32.mul (local.get $plane) (i32.const 5)))))) (v128.load (i32.add (local.get $from) (i32.add (local.get $cb) (i32.mul (local.get $plane) (i32.const 9)))))))
          (local.set $s2 (f32x4.add (f32x4.add (v128.load (i32.add (local.get $from) (i32.add (local.get $cb) (i32.mul (local.get $plane) (i32.const 2))))) (v128.load (i32.add (local.get $from) (i32.add (local.get $cb) (i32.mul (local.get $plane) (i32.const 6)))))) (v128.load (i32.add (local.get $from) (i32.add (local.get $cb) (i32.mul (local.get $plane) (i32.const 10)))))))
          (local.set $s3 (f32x4.add (f32x4.add (v128.load (i32.add (local.get $from) (i32.add (local.get $cb) (i32.mul (local.get $plane) (i32.const 3))))) (v128.load (i32.add (local.get $from) (i32.add (local.get $cb) (i32.mul (local.get $plane) (i32.const 7)))))) (v128.load (i32.add (local.get $from) (i32.add (local.get $cb) (i32.mul (local.get $plane) (i32.const 11)))))))
          (v128.store (local.get $at) (f32x4.add (f32x4.add (f32x4.add (local.get $s0) (local.get $s1)) (local.get $s2)) (local.get $b)))
          (if (local.get $right) (then (v128.store (i32.add (local.get $at) (local.get $os)) (f32x4.add (f32x4.sub (f32x4.sub (local.get $s1) (local.get $s2)) (local.get $s3)) (local.get $b)))))
          ;; row 1 of A^T M, then times A
          (local.set $s0 (f32x4.sub (f32x4.sub (v128.load (i32.add (local.get $from) (i32.add (local.get $cb) (i32.mul (local.get $plane) (i32.const 4))))) (v128.load (i32.add (local.get $from) (i32.add (local.get $cb) (i32.mul (local.get $plane) (i32.const 8)))))) (v128.load (i32.add (local.get $from) (i32.add (local.get $cb) (i32.mul (local.get $plane) (i32.const 12)))))))
          (local.set $s1 (f32x4.sub (f32x4.sub (v128.load (i32.add (local.get $from) (i32.add (local.get $cb) (i32.mul (local.get $plane) (i32.const 5))))) (v128.load (i32.add (local.get $from) (i32.add (local.get $cb) (i32.mul (local.get $plane) (i32.const 9)))))) (v128.load (i32.add (local.get $from) (i32.add (local.get $cb) (i32.mul (local.get $plane) (i32.const 13)))))))
          (local.set $s2 (f32x4.sub (f32x4.sub (v128.load (i32.add (local.get $from) (i32.add (local.get $cb) (i32.mul (local.get $plane) (i32.const 6))))) (v128.load (i32.add (local.get $from) (i32.add (local.get $cb) (i32.mul (local.get $plane) (i32.const 10)))))) (v128.load (i32.add (local.get $from) (i32.add (local.get $cb) (i32.mul (local.get $plane) (i32.const 14)))))))
          (local.set $s3 (f32x4.sub (f32x4.sub (v128.load (i32.add (local.get $from) (i32.add (local.get $cb) (i32.mul (local.get $plane) (i32.const 7))))) (v128.load (i32.add (local.get $from) (i32.add (local.get $cb) (i32.mul (local.get $plane) (i32.const 11)))))) (v128.load (i32.add (local.get $from) (i32.add (local.get $cb) (i32.mul (local.get $plane) (i32.const 15)))))))
          (if (i32.lt_u (i32.add (i32.shl (local.get $ty) (i32.const 1)) (i32.const 1)) (local.get $ho)) (then
            (local.set $at (i32.add (local.get $at) (i32.mul (local.get $wo) (local.get $os))))
            (v128.store (local.get $at) (f32x4.add (f32x4.add (f32x4.add (local.get $s0) (local.get $s1)) (local.get $s2)) (local.get $b)))
            (if (local.get $right) (then (v128.store (i32.add (local.get $at) (local.get $os)) (f32x4.add (f32x4.sub (f32x4.sub (local.get $s1) (local.get $s2)) (local.get $s3)) (local.get $b)))))))
          (local.set $cb (i32.add (local.get $cb) (i32.const 16)))
          (br_if $blocks (i32.lt_u (local.get $cb) (local.get $os))))
        (local.set $from (i32.add (local.get $from) (local.get $os)))
        (local.set $tx (i32.add (local.get $tx) (i32.const 1)))
        (br_if $tiles (i32.lt_u (local.get $tx) (local.get $tw))))
      (local.set $ty (i32.add (local.get $ty) (i32.const 1)))
      (br_if $tileRows (i32.lt_u (local.get $ty) (local.get $th)))))


  ;; out [n, ho, wo, o] = the 3x3 conv at stride 1 of xp [n, hp, wp, c] (padded, hp >= 2 th + 2 and
  ;; wp >= 2 tw + 2 for th = ceil(ho / 2), tw = ceil(wo / 2)) with the filter transformed to u
  ;; (winogradFilter), + bias where bias is not 0; one image at a time (its transforms stay in
  ;; cache), in scratch v [16, th tw, c] and m [16, th tw, o], each plane 64 bytes after the last.
  ;; c % 4 == 0, o % 8 == 0.
  (func (export "winogradConv") (param $xp i32) (param $u i32) (param $bias i32) (param $out i32)
        (param $n i32) (param $hp i32) (param $wp i32) (param $c i32) (param $ho i32) (param $wo i32) (param $o i32)
        (param $v i32) (param $m i32)
    (local $img i32) (local $th i32) (local $tw i32) (local $t i32) (local $xi i32)
    (local.set $th (i32.shr_u (i32.add (local.get $ho) (i32.const 1)) (i32.const 1)))
    (local.set $tw (i32.shr_u (i32.add (local.get $wo) (i32.const 1)) (i32.const 1)))
    (local.set $t (i32.mul (local.get $th) (local.get $tw)))
    (local.set $img (i32.const 0))
    (loop $images
      (call $winogradInput
        (i32.add (local.get $xp) (i32.shl (i32.mul (i32.mul (i32.mul (local.get $img) (local.get $hp)) (local.get $wp)) (local.get $c)) (i32.const 2)))
        (local.get $v) (local.get $wp) (local.get $c) (local.get $th) (local.get $tw))
      (local.set $xi (i32.const 0))
      (loop $positions
        (call $conv
          (i32.add (local.get $v) (i32.mul (local.get $xi) (i32.add (i32.shl (i32.mul (local.get $t) (local.get $c)) (i32.const 2)) (i32.const 64))))
          (i32.add (local.get $u) (i32.shl (i32.mul (i32.mul (local.get $xi) (local.get $c)) (local.get $o)) (i32.const 2)))
          (i32.const 0)
          (i32.add (local.get $m) (i32.mul (local.get $xi) (i32.add (i32.shl (i32.mul (local.get $t) (local.get $o)) (i32.const 2)) (i32.const 64))))
          (i32.const 1) (i32.const 1) (local.get $t) (local.get $c) (i32.const 1) (local.get $t) (local.get $o)
          (i32.const 1) (i32.const 1))
        (local.set $xi (i32.add (local.get $xi) (i32.const 1)))
        (br_if $positions (i32.lt_u (local.get $xi) (i32.const 16))))
      (call $winogradOutput (local.get $m)
        (i32.add (local.get $out) (i32.shl (i32.mul (i32.mul (i32.mul (local.get $img) (local.get $ho)) (local.get $wo)) (local.get $o)) (i32.const 2)))
        (local.get $bias) (local.get $ho) (local.get $wo) (local.get $o) (local.get $th) (local.get $tw))
      (local.set $img (i32.add (local.get $img) (i32.const 1)))
      (br_if $images (i32.lt_u (local.get $img) (local.get $n)))))

  ;; Batch norm on [m, c] rows (c % 4 == 0) with the arithmetic of model/batchNorm.ts's loops:
  ;; float64 sums in row order and float64 products rounded to float32 once, so the CPU backend and
  ;; these give the same floats. Rows outer, four channels a block inner, with the float64 sums in
  ;; scratch (in cache): a block-outer order passed over the map once per block. Shuffles and
  ;; conversions are written out where they are used (V8 does not inline wasm calls).

  ;; Per channel the mean and biased variance (two passes), written as float32; acc: 2c float64s
  ;; (the sums, then the means, in the first c; the squares in the second).
  (func (export "bnMoments") (param $x i32) (param $m i32) (param $c i32) (param $mean i32) (param $var i32)
        (param $acc i32)
    (local $k i32) (local $p i32) (local $end i32) (local $cs i32) (local $v v128) (local $d v128)
    (local $a i32) (local $count v128)
    (local.set $cs (i32.shl (local.get $c) (i32.const 2)))
    (local.set $count (f64x2.splat (f64.convert_i32_u (local.get $m))))
    (local.set $end (i32.add (local.get $x) (i32.mul (local.get $m) (local.get $cs))))
    (memory.fill (local.get $acc) (i32.const 0) (i32.shl (local.get $c) (i32.const 4)))
    (local.set $p (local.get $x))
    (loop $sumRows
      (local.set $k (i32.const 0))
      (loop $sumBlocks
        (local.set $v (v128.load (i32.add (local.get $p) (local.get $k))))
        (local.set $a (i32.add (local.get $acc) (i32.shl (local.get $k) (i32.const 1))))
        (v128.store (local.get $a) (f64x2.add (v128.load (local.get $a)) (f64x2.promote_low_f32x4 (local.get $v))))
        (v128.store offset=16 (local.get $a)
          (f64x2.add (v128.load offset=16 (local.get $a)) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v)))))
        (local.set $k (i32.add (local.get $k) (i32.const 16)))
        (br_if $sumBlocks (i32.lt_u (local.get $k) (local.get $cs))))
      (local.set $p (i32.add (local.get $p) (local.get $cs)))
      (br_if $sumRows (i32.lt_u (local.get $p) (local.get $end))))
    ;; the means, kept as float64 in acc[0, c) for the second pass
    (local.set $k (i32.const 0))
    (loop $means
      (local.set $a (i32.add (local.get $acc) (i32.shl (local.get $k) (i32.const 1))))
      (v128.store (local.get $a) (f64x2.div (v128.load (local.get $a)) (local.get $count)))
      (v128.store offset=16 (local.get $a) (f64x2.div (v128.load offset=16 (local.get $a)) (local.get $count)))
      (v128.store (i32.add (local.get $mean) (local.get $k))
        (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (f32x4.demote_f64x2_zero (v128.load (local.get $a))) (f32x4.demote_f64x2_zero (v128.load offset=16 (local.get $a)))))
      (local.set $k (i32.add (local.get $k) (i32.const 16)))
      (br_if $means (i32.lt_u (local.get $k) (local.get $cs))))
    (local.set $p (local.get $x))
    (loop $squareRows
      (local.set $k (i32.const 0))
      (loop $squareBlocks
        (local.set $v (v128.load (i32.add (local.get $p) (local.get $k))))
        (local.set $a (i32.add (local.get $acc) (i32.shl (local.get $k) (i32.const 1))))
        (local.set $d (f64x2.sub (f64x2.promote_low_f32x4 (local.get $v)) (v128.load (local.get $a))))
        (v128.store (i32.add (local.get $a) (i32.shl (local.get $cs) (i32.const 1))) (f64x2.add (v128.load (i32.add (local.get $a) (i32.shl (local.get $cs) (i32.const 1))))
          (f64x2.mul (local.get $d) (local.get $d))))
        (local.set $d (f64x2.sub (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v))) (v128.load offset=16 (local.get $a))))
        (v128.store offset=16 (i32.add (local.get $a) (i32.shl (local.get $cs) (i32.const 1)))
          (f64x2.add (v128.load offset=16 (i32.add (local.get $a) (i32.shl (local.get $cs) (i32.const 1)))) (f64x2.mul (local.get $d) (local.get $d))))
        (local.set $k (i32.add (local.get $k) (i32.const 16)))
        (br_if $squareBlocks (i32.lt_u (local.get $k) (local.get $cs))))
      (local.set $p (i32.add (local.get $p) (local.get $cs)))
      (br_if $squareRows (i32.lt_u (local.get $p) (local.get $end))))
    (local.set $k (i32.const 0))
    (loop $variances
      (local.set $a (i32.add (i32.add (local.get $acc) (i32.shl (local.get $cs) (i32.const 1))) (i32.shl (local.get $k) (i32.const 1))))
      (v128.store (i32.add (local.get $var) (local.get $k))
        (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (f32x4.demote_f64x2_zero (f64x2.div (v128.load (local.get $a)) (local.get $count))) (f32x4.demote_f64x2_zero (f64x2.div (v128.load offset=16 (local.get $a)) (local.get $count)))))
      (local.set $k (i32.add (local.get $k) (i32.const 16)))
      (br_if $variances (i32.lt_u (local.get $k) (local.get $cs)))))

  ;; y = x * scale + shift per channel, then ReLU'd on the bits when relu (b & ~(b >> 31): +0 for
  ;; every float with its sign bit set), as batchNorm.ts's scaleShift and reluBits.
  (func (export "bnApply") (param $x i32) (param $y i32) (param $m i32) (param $c i32)
        (param $scale i32) (param $shift i32) (param $relu i32)
    (local $p i32) (local $end i32) (local $k i32) (local $cs i32) (local $v v128) (local $a v128) (local $b v128)
    (local.set $cs (i32.shl (local.get $c) (i32.const 2)))
    (local.set $p (i32.const 0))
    (local.set $end (i32.mul (local.get $m) (local.get $cs)))
    (loop $rows
      (local.set $k (i32.const 0))
      (loop $blocks
        (local.set $v (v128.load (i32.add (local.get $x) (i32.add (local.get $p) (local.get $k)))))
        (local.set $a (v128.load (i32.add (local.get $scale) (local.get $k))))
        (local.set $b (v128.load (i32.add (local.get $shift) (local.get $k))))
        (local.set $v (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (f32x4.demote_f64x2_zero (f64x2.add (f64x2.mul (f64x2.promote_low_f32x4 (local.get $v)) (f64x2.promote_low_f32x4 (local.get $a))) (f64x2.promote_low_f32x4 (local.get $b)))) (f32x4.demote_f64x2_zero (f64x2.add (f64x2.mul (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v))) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $a) (local.get $a)))) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $b) (local.get $b)))))))
        (if (local.get $relu) (then
          (local.set $v (v128.andnot (local.get $v) (i32x4.shr_s (local.get $v) (i32.const 31))))))
        (v128.store (i32.add (local.get $y) (i32.add (local.get $p) (local.get $k))) (local.get $v))
        (local.set $k (i32.add (local.get $k) (i32.const 16)))
        (br_if $blocks (i32.lt_u (local.get $k) (local.get $cs))))
      (local.set $p (i32.add (local.get $p) (local.get $cs)))
      (br_if $rows (i32.lt_u (local.get $p) (local.get $end)))))

  ;; g = dy where y > 0, else 0, over count floats (count % 4 == 0): for y's bits b,
  ;; ((-b) & ~b) >> 31 is all ones exactly for a positive float, as batchNorm.ts's mask.
  (func (export "reluMask") (param $dy i32) (param $y i32) (param $g i32) (param $count i32)
    (local $end i32) (local $b v128)
    (local.set $end (i32.add (local.get $y) (i32.shl (local.get $count) (i32.const 2))))
    (loop $values
      (local.set $b (v128.load (local.get $y)))
      (v128.store (local.get $g) (v128.and (v128.load (local.get $dy))
        (i32x4.shr_s (v128.andnot (i32x4.neg (local.get $b)) (local.get $b)) (i32.const 31))))
      (local.set $dy (i32.add (local.get $dy) (i32.const 16)))
      (local.set $g (i32.add (local.get $g) (i32.const 16)))
      (local.set $y (i32.add (local.get $y) (i32.const 16)))
      (br_if $values (i32.lt_u (local.get $y) (local.get $end)))))

  ;; Per channel, float64 in row order: sumG = sum of g and sumGx = sum of g * (x - mean).
  (func (export "bnGradSums") (param $g i32) (param $x i32) (param $mean i32) (param $m i32) (param $c i32)
        (param $sumG i32) (param $sumGx i32)
    (local $k i32) (local $p i32) (local $end i32) (local $cs i32) (local $gv v128) (local $d v128)
    (local $mu v128) (local $a i32) (local $b i32)
    (local.set $cs (i32.shl (local.get $c) (i32.const 2)))
    (memory.fill (local.get $sumG) (i32.const 0) (i32.shl (local.get $c) (i32.const 3)))
    (memory.fill (local.get $sumGx) (i32.const 0) (i32.shl (local.get $c) (i32.const 3)))
    (local.set $p (i32.const 0))
    (local.set $end (i32.mul (local.get $m) (local.get $cs)))
    (loop $rows
      (local.set $k (i32.const 0))
      (loop $blocks
        (local.set $gv (v128.load (i32.add (local.get $g) (i32.add (local.get $p) (local.get $k)))))
        (local.set $d (v128.load (i32.add (local.get $x) (i32.add (local.get $p) (local.get $k)))))
        (local.set $mu (v128.load (i32.add (local.get $mean) (local.get $k))))
        (local.set $a (i32.add (local.get $sumG) (i32.shl (local.get $k) (i32.const 1))))
        (local.set $b (i32.add (local.get $sumGx) (i32.shl (local.get $k) (i32.const 1))))
        (v128.store (local.get $a) (f64x2.add (v128.load (local.get $a)) (f64x2.promote_low_f32x4 (local.get $gv))))
        (v128.store (local.get $b) (f64x2.add (v128.load (local.get $b))
          (f64x2.mul (f64x2.promote_low_f32x4 (local.get $gv)) (f64x2.sub (f64x2.promote_low_f32x4 (local.get $d)) (f64x2.promote_low_f32x4 (local.get $mu))))))
        (local.set $gv (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $gv) (local.get $gv)))
        (local.set $d (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $d) (local.get $d)))
        (local.set $mu (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $mu) (local.get $mu)))
        (v128.store offset=16 (local.get $a) (f64x2.add (v128.load offset=16 (local.get $a)) (f64x2.promote_low_f32x4 (local.get $gv))))
        (v128.store offset=16 (local.get $b) (f64x2.add (v128.load offset=16 (local.get $b))
          (f64x2.mul (f64x2.promote_low_f32x4 (local.get $gv)) (f64x2.sub (f64x2.promote_low_f32x4 (local.get $d)) (f64x2.promote_low_f32x4 (local.get $mu))))))
        (local.set $k (i32.add (local.get $k) (i32.const 16)))
        (br_if $blocks (i32.lt_u (local.get $k) (local.get $cs))))
      (local.set $p (i32.add (local.get $p) (local.get $cs)))
      (br_if $rows (i32.lt_u (local.get $p) (local.get $end)))))

  ;; dx = gain * g - slope * x + offset per channel, in float64 rounded once (g may be dx itself).
  (func (export "bnGradApply") (param $g i32) (param $x i32) (param $dx i32) (param $m i32) (param $c i32)
        (param $gain i32) (param $slope i32) (param $offset i32)
    (local $p i32) (local $end i32) (local $k i32) (local $cs i32) (local $gv v128) (local $xv v128)
    (local $a v128) (local $b v128) (local $d v128)
    (local.set $cs (i32.shl (local.get $c) (i32.const 2)))
    (local.set $p (i32.const 0))
    (local.set $end (i32.mul (local.get $m) (local.get $cs)))
    (loop $rows
      (local.set $k (i32.const 0))
      (loop $blocks
        (local.set $gv (v128.load (i32.add (local.get $g) (i32.add (local.get $p) (local.get $k)))))
        (local.set $xv (v128.load (i32.add (local.get $x) (i32.add (local.get $p) (local.get $k)))))
        (local.set $a (v128.load (i32.add (local.get $gain) (local.get $k))))
        (local.set $b (v128.load (i32.add (local.get $slope) (local.get $k))))
        (local.set $d (v128.load (i32.add (local.get $offset) (local.get $k))))
        (v128.store (i32.add (local.get $dx) (i32.add (local.get $p) (local.get $k)))
          (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (f32x4.demote_f64x2_zero (f64x2.add (f64x2.sub (f64x2.mul (f64x2.promote_low_f32x4 (local.get $a)) (f64x2.promote_low_f32x4 (local.get $gv))) (f64x2.mul (f64x2.promote_low_f32x4 (local.get $b)) (f64x2.promote_low_f32x4 (local.get $xv)))) (f64x2.promote_low_f32x4 (local.get $d)))) (f32x4.demote_f64x2_zero (f64x2.add (f64x2.sub (f64x2.mul (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $a) (local.get $a))) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $gv) (local.get $gv)))) (f64x2.mul (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $b) (local.get $b))) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $xv) (local.get $xv))))) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $d) (local.get $d)))))))
        (local.set $k (i32.add (local.get $k) (i32.const 16)))
        (br_if $blocks (i32.lt_u (local.get $k) (local.get $cs))))
      (local.set $p (i32.add (local.get $p) (local.get $cs)))
      (br_if $rows (i32.lt_u (local.get $p) (local.get $end)))))
)
