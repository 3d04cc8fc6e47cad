// Help texts, one per command. Kept apart from the commands so the flags each one accepts and what
// its help says can be read side by side. Runs in Node.

export const MAIN_HELP = `Simplex Studio CLI: train simplexes, and inspect, evaluate and convert weight files (VGG, VGG-BN,
PreResNet, SimplexNet; safetensors or PyTorch .pt).
Runs on WebGPU (Dawn) where it finds a GPU, else on tfjs's wasm backend (the CPU path).

Usage: npm run -s cli -- <command> [options]

Commands:
  info FILE                 describe a weights file (one JSON object)
  eval --weights FILE --data DATA [...]
                            loss, accuracy, NLL, ECE (and volume) on CIFAR data
  convert IN... OUT         SimplexNet -> one vertex, vertices -> SimplexNet, or safetensors <-> .pt
  train --data DATA --out DIR [...]
                            the tab's training procedures, checkpointed into DIR
  surface --weights FILE --data DATA [--face 0,1,2] [...]
                            the loss surface over a face, as the Surfaces section's CSV and JSON
  interpolate --a FILE --b FILE --data DATA [...]
                            loss and error on the straight line between two models, and its barrier
  plane --weights FILE --data DATA [--path DIR] [...]
                            a random-direction line or plane (filter-normalised), or a training
                            path's PCA plane; CSV, JSON and loss-landscape's .h5
  merge PART.json...        one grid from the parts computed with plane or surface --part I/N
  reproduce --data DATA --out DIR [--preset cpu|paper] [...]
                            deep ensembles against ESPRO (the paper's Fig. 8): members trained as
                            independent processes, a CSV, JSON, Markdown and HTML report

Run \`<command> --help\` for a command's options.
Exit status: 0 success, 1 bad file or data, 2 bad command line. Errors are one line on stderr:
"error: CODE: message".
`;

export const INFO_HELP = `Usage: npm run -s cli -- info FILE [--key K] [--complex JSON]

Prints one JSON object describing FILE, a state_dict of the reference's networks (VGG16, its BN
version, PreResNetBase, or a SimplexNet of them) in safetensors or PyTorch's .pt (zip or legacy
format; read without running any pickle code): format ("safetensors" or "pt"), layout ("base" or
"simplex"), architecture, family, widthScale, classes, vertexCount, frozen (vertex indices), complex
(simplexes as vertex lists), paramsPerVertex, batchNormLayers, the studio metadata it carries
(dataset, normalisation, run, vertex, metrics), metadataKeys, and notes (what reading did: the dict
key taken, dtypes converted to float32, a complex read from the file name). Architecture, width and
classes are read from the tensor names and shapes.

  --key K          a .pt file holding several state dicts (a dict of them): which one
  --complex JSON   a SimplexNet's simplexes, e.g. [[0,2],[1,2]], where the file does not say them
                   (else: its name's <n>mode_<k>connector_ pattern, else one simplex of all vertices)
`;

export const EVAL_HELP = `Usage: npm run -s cli -- eval --weights FILE --data DATA [options]

Evaluates a model on CIFAR, MNIST-family or image-folder data and prints one JSON object: n, loss (mean cross-entropy),
accuracy, error, nll, ece (15 bins), brier, volume (when simplex 0 has 2+ vertices: the
reference's Cayley-Menger value, the squared volume), point (where the model was evaluated),
model, data and backend (what ran: on webgpu the studio's compiled forward pass, evaluator
"compiled"; else tfjs's, "tfjs").

  --weights FILE   PyTorch VGG16 or SimplexNet state_dict (safetensors), or a studio export
  --data DATA      a CIFAR record file (*.bin: CIFAR-10 or -100, from --format, the official
                   file name or the record size), an official binary tarball (.tar.gz / .tar),
                   or a folder holding the four MNIST-family IDX files (train-images-idx3-ubyte,
                   train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte,
                   .gz or not; or one of those files), padded to 32x32 as the studio stores them,
                   or an image folder (<class>/<image>, or train/ and test/ holding class folders;
                   a folder or a .zip of one; PNG only in the CLI), as 32x32 records like the tab's
  --split S        tarballs, IDX and image folders: test (default) or train
  --format F       cifar10 or cifar100, for a record file whose name and size do not tell

Where to evaluate (at most one; default: the single vertex of a one-vertex file, else the
centroid of simplex 0, i.e. 1/k on each of its k vertices):
  --coeffs a,b,... one coefficient per vertex, summing to 1 (within 1e-6); weights = sum a_i w_i
                   (negative values are allowed: points of the plane beyond the simplex)
  --vertex I       vertex I alone
  --t T            a curve file (train --procedure curve): its point θ(T), T from 0 to 1
  --samples M      ESPRO prediction: softmax averaged over M points drawn uniformly on every
                   simplex of the complex (loss is then the NLL of the averaged probabilities);
                   M from 1 to 1000 (the paper uses 25), each point one pass over the data
  --seed S         seed for --samples (default 0); the same seed gives the same points

  --logits OUT.json  write one row per image as a JSON array of rows: the logits, or with
                   --samples the log of the averaged probabilities (floored at 1e-12); never
                   an input, nor an existing file unless --force
  --force          replace the --logits file if it exists
  --limit N        only the first N images
  --batch B        images per forward pass, 1 to 1000 (default 100)
  --backend B      auto (default: WebGPU through Dawn where it finds a GPU, else wasm), webgpu,
                   wasm or cpu

Networks with batch norm (VGG-BN, PreResNet): a point that is not a trained vertex has no running
statistics of its own (the curve code's update_bn):
  --bn MODE        stored (the file's running statistics, the reference's behaviour) or
                   recomputed (reset, then the average of each batch's mean and unbiased variance
                   over N training batches at the point, in train mode). Default: recomputed for
                   --coeffs, --t and the centroid, stored for --vertex and --samples
  --bn-batches N   training batches of 128 images to recompute from (default 4)
  --bn-data FILE   where the training images come from (default: the training split of --data;
                   a lone record file as --data is refused, so the images evaluated never leak in)
The JSON then says which statistics were used ("batchNorm").

Inputs are normalised with the file's "normalisation" metadata, else the reference's ImageNet
statistics. The model's class count must match the dataset's.
`;

export const CONVERT_HELP = `Usage: npm run -s cli -- convert IN... OUT [options]

Inputs are safetensors or PyTorch .pt files; OUT's extension picks the format written: .pt, .pth
or .bin is PyTorch's zip format (torch.load opens it, weights_only too), anything else safetensors.

  convert MODEL.pt OUT.safetensors      (or the other way round; one input, no --vertex)
      the same model in the other format: layout, vertices, statistics and metadata kept
  convert SIMPLEX.safetensors OUT.safetensors --vertex I
      writes vertex I of a SimplexNet file as the base network's state_dict (with the shared
      batch-norm statistics); keeps dataset, normalisation, training and run, records the vertex
  convert A.safetensors B.pt ... OUT.safetensors [--frozen 0,1]
      joins base state_dicts (same architecture, width and classes) into one SimplexNet file,
      one simplex of all of them, vertex i = the i-th input (batch-norm statistics: the first
      input's); keeps dataset and normalisation where all inputs agree

  --vertex I       (SimplexNet input) which vertex to write
  --frozen LIST    (joined inputs) vertices to mark as frozen in the output, e.g. 0,1
  --key K          (.pt input) the dict entry holding the state dict, where it holds several
  --complex JSON   (SimplexNet input) its simplexes, e.g. [[0,2],[1,2]], where neither its metadata
                   nor its name (<n>mode_<k>connector_…) says them
  --force          replace OUT if it exists (never an input, whatever its name)

Prints one JSON object describing OUT (as \`info\` does).
`;

export const TRAIN_HELP = `Usage: npm run -s cli -- train --data DATA --out DIR [options]
       npm run -s cli -- train --resume DIR [--data DATA]

Trains a run with the tab's trainer (the same settings, defaults, checks and, on WebGPU, the same
compiled step). After every epoch DIR/checkpoint.safetensors is replaced atomically (a temporary
file, flushed, then renamed: the previous one stays until the new one is complete). Ctrl-C stops
at the next step and keeps the last checkpoint; --resume DIR goes on from it and reaches the
weights of an uninterrupted run. The result is written into DIR as the tab exports a model: one
PyTorch VGG16 state_dict per vertex (..._vertexI.safetensors) and, for 2+ vertices, one SimplexNet
file (..._simplex-Nv.safetensors), with the studio's metadata; the tab's Models section imports them.

stdout: one JSON line per epoch (stage, epoch, step, trainLoss, trainAccuracy, testLoss,
testAccuracy, volume, lambda, lr, seconds), then one {"file": PATH} line per result file.
stderr: the backend, then progress (a bar on a terminal, one line per read window otherwise).

  --data DATA        synthetic (the tab's built-in set), an official CIFAR-10/100 binary tarball,
                     a folder of MNIST-family IDX files, or an image folder (see eval --help)
  --format F         cifar10 or cifar100, where a tarball's name does not tell
  --out DIR          the run's folder (created; refused if it already holds a run)
  --resume DIR       go on with the run in DIR (its settings; --data where the data moved)
  --name NAME        the run's name in the result's metadata and file names (default: DIR's name)
  --from FILE        a mode (a one-vertex file, safetensors or .pt) to start from: once for simplex, twice or more
                     for complex; repeat the flag
  --backend B        auto (default: WebGPU through Dawn where it finds a GPU, else wasm), webgpu,
                     wasm or cpu
  --keep-path        also keep the weights after every epoch, DIR/path/epoch-N.safetensors (N counted
                     over the whole run; the centre of the simplex an epoch trained): the training
                     path \`plane --path DIR/path\` draws its PCA plane and path from

Run settings (defaults: the reference's, as the Train form's; see the README's settings table):
  --preset P         the Train form's presets: reference (default), small (VGG11 at width 1/8 on
                     2,000 images) or cpu (VGG11-BN at width 1/8, batches of 64, no augmentation,
                     5 base epochs on all the images: 88%+ on Fashion-MNIST in under 10 min on
                     wasm); the flags below change single settings after it
  --procedure P      base (default), simplex, complex, ensemble or curve (a Bezier or PolyChain
                     curve between the two --from modes, Garipov et al.)
  --architecture A   vgg11, vgg13, vgg16 (default) or vgg19; with batch norm vgg11bn … vgg19bn;
                     preresnetD (8, 14, 20, … below 44; 47, 56, … 110, 164 from 44)
  --width W          1 (default), 0.5, 0.25 or 0.125: channel width scale
  --seed S           seeds initialisation, shuffling, augmentation, dropout and draws (default 1)
  --batch-size B     (128)             --base-epochs E     (300)    --base-lr LR      (0.05)
                     (the rates not given follow the batch size linearly, as the Train form's:
                     the reference's 0.05 is for batches of 128, 0.0125 at 32)
  --epochs-per-vertex E  (10; 20 on 100 classes)                    --simplex-lr LR   (0.01; complex 0.005)
  --momentum M       (0.9)             --weight-decay WD   (5e-4; complex 0)
  --n-sample K       draws per batch in vertex stages (5)
  --lmbd L           the reference's LMBD (1e-10; complex 0.1, ensemble 1e-6)
  --reduction R      sum (default, the reference's) or mean over draws
  --vertices N       vertices added (4; ensemble 2)     --connectors N  (complex: 2)
  --components N     ESPRO components (3)               --read-every N  metrics every N steps (10)
  --curve C          curve: bezier (default) or polychain
  --num-bends K      curve: its points, the two fixed ends included (3: one free bend)
  --curve-epochs E   (600)             --curve-lr LR       (0.015): the curve code's VGG16 settings;
                     --weight-decay then adds ½·wd·|θ(t)|² to the loss, as the curve code does
  --train-limit N    only the first N training images (0: all)
  --test-limit N     test images evaluated after each epoch (0: all)

Controlled comparisons:
  --no-augment       the images as stored (no random crop and flip)
  --no-shuffle       the training images in file order every epoch
  --dropout P        dropout rate of the classifier's hidden layers (0.5; 0 turns it off)
  --stop-after N     end the run after N steps, mid-epoch if need be (0: every epoch)
  --init FILE        the run's new vertices start from FILE instead of seeded initialisation (a
                     base vertex) or the centroid (added vertices, connectors): a VGG16 file where
                     the run adds one vertex, else a SimplexNet file holding exactly the vertices
                     it adds, in order (a simplex's, a complex's connectors, an ensemble's
                     components one after another); anything else is refused (SHAPE_MISMATCH)
  --test-data FILE   DATA is then one CIFAR record file (the training split), FILE the test split

Exit status 130 when stopped by Ctrl-C (the last checkpoint is kept).
`;

export const SURFACE_HELP = `Usage: npm run -s cli -- surface --weights FILE --data DATA [options]

Computes the loss surface over one face of FILE's complex with the tab's code, on the plane
through its three vertices (origin the first, u along the second minus the first, v by
Gram-Schmidt), coarse to fine, and writes the Surfaces section's exports: PREFIX.csv (one row per
grid point: i, j, u, v, the three vertices' coefficients, inside, loss, error) and PREFIX.json
(the plane's basis, u, v and the loss and error grids). Prints one JSON object: face, gridSize,
margin, imagesUsed, metric, its min and max over the grid, seconds, files.

  --weights FILE   a SimplexNet file of 3+ vertices (or any studio export of one)
  --data DATA      as for eval (a CIFAR record file or tarball, IDX folder, image folder)
  --split S        test (default) or train, for tarballs, IDX and image folders
  --format F       cifar10 or cifar100, for a record file whose name and size do not tell
  --face A,B,C     three different vertices (default 0,1,2)
  --grid N         points per side, 3 to 61 (default 21)
  --margin M       beyond the triangle on each side, a fraction of its larger extent (default 0.2)
  --images N       the first N images of the split (default 256)
  --metric M       loss (default) or error: which one the printed min and max describe
  --edges          also PREFIX_edges.json: loss and error along the face's three edges
  --points N       points per edge from one vertex to the other, 2 to 101 (default 21), and on at
                   the same spacing a quarter of the edge beyond each end
  --part I/N       compute only part I of N of the grid's points (contiguous slices of the N×N
                   points in row order): writes PREFIX.json of that part alone, for \`merge\`
  --out PREFIX     the files' path without extension (default: <file>_face-A-B-C_NxN here)
  --force          replace files that exist (never an input)
`;

const LANDSCAPE_FILES = `Writes PREFIX.csv (one row per point: i, j, x, y, then <split>_loss and <split>_error),
PREFIX.json (settings, axes, values[j][i] at (x[i], y[j]), what the axes mean) and PREFIX.h5,
the datasets of loss-landscape's surface files (xcoordinates, ycoordinates for a plane,
<split>_loss, <split>_acc in percent; a plane's as [y, x]) that its plot_1D.py, plot_2D.py and
h52vtp.py (ParaView) open. Prints one JSON object: kind, models, points, imagesUsed, the range
of loss and error per split, barriers or the path's explained variance, seconds, files.`;

const LANDSCAPE_DATA = `  --data DATA      as for eval (a CIFAR record file or tarball, IDX folder, image folder)
  --split S        train, test or both (a record file is one split: give its own)
  --format F       cifar10 or cifar100, for a record file whose name and size do not tell
  --images N       the first N images of each split (default 256)
  --bn B           batch-norm networks: recomputed (default: statistics re-estimated at each
                   point from --bn-batches batches of 128 training images) or stored (the origin's)
  --bn-batches K   (default 4)
  --out PREFIX     the files' path without extension (default: <models>_<kind>_<points>)
  --force          replace files that exist (never an input)`;

export const INTERPOLATE_HELP = `Usage: npm run -s cli -- interpolate --a FILE --b FILE --data DATA [options]

Loss and error along the straight line between two models of one network, θ(t) = (1 − t)·θa + t·θb,
on the training and test images (default both), and the barrier: the largest excess over t in
[0, 1] of the loss (and the error) above the straight line between its values at the two ends
(Frankle et al. 2020). Batch-norm networks get statistics recomputed at each t.
${LANDSCAPE_FILES}

  --a FILE, --b FILE     the two models (safetensors or .pt)
  --curve FILE     instead: a curve (train --procedure curve) profiled along its t from 0 to 1
                   (default 61 points, as the curve code's eval_curve.py), with the straight line
                   between its ends at the same t beside it (line_* columns and datasets) and both
                   barriers
  --a-vertex I, --b-vertex I   which vertex of a file that holds several
  --points N       points from --range's start to its end (default 25; 0 and 1 always included)
  --range A,B      t from A ≤ 0 to B ≥ 1 (default -0.25,1.25)
${LANDSCAPE_DATA}
`;

export const PLANE_HELP = `Usage: npm run -s cli -- plane --weights FILE --data DATA [options]
       npm run -s cli -- plane --path DIR [--weights FILE] --data DATA [options]

Around one model θ, the loss and error at θ + x·d1 (a line) or θ + x·d1 + y·d2 (a plane), as
loss-landscape draws them (Li et al. 2018): d1, d2 drawn per parameter tensor from a normal seeded
by --seed, each output filter scaled to the norm of the model's same filter, biases and batch-norm
parameters left at zero (its --xnorm filter --xignore biasbn). With --path, the plane of a
training path instead: d1, d2 the first two principal components of the kept epochs' differences
from the final weights (its setup_PCA_directions; explained variance printed), the path's
projections in the JSON. Default on the training images.
${LANDSCAPE_FILES}

  --weights FILE   the origin (default with --path: the path's last epoch)
  --vertex I       which vertex of a file that holds several
  --path DIR|FILE  a folder of epoch-N.safetensors files (train --keep-path writes DIR/path), or
                   the files in order (repeat the flag)
  --dims D         1 (a line) or 2 (a plane, default)
  --points N       points per axis (default 21; loss-landscape's 51 costs 5.9 times as many)
  --range A,B      random directions: each axis from A to B (default -1,1)
  --margin M       a path's plane: beyond the path on each side, a fraction of its extent (0.2)
  --seed S         the directions' seed (default 0): the same seed draws the same plane
  --norm N         filter (default), layer or none
  --keep-biasbn    biases and batch-norm parameters move too (as the model's own values)
  --part I/N       compute only part I of N of the grid's points (contiguous slices, as numpy's
                   array_split): writes PREFIX.json of that part alone, for \`merge\`
${LANDSCAPE_DATA}
`;

export const MERGE_HELP = `Usage: npm run -s cli -- merge PART.json... [--out PREFIX] [--force]

Merges the parts of one grid (plane --part 1/N … N/N or surface --part 1/N … N/N, computed by
separate processes) into the whole, written as that command writes it (plane: PREFIX.csv, .json,
.h5; surface: PREFIX.csv, .json). Every part 1…N must be there
exactly once, complete, and of the same grid (model, settings, axes): a missing, doubled, stopped
or foreign part is named and nothing is written.
`;

export const REPRODUCE_HELP = `Usage: npm run -s cli -- reproduce --data DATA --out DIR [options] [-- TRAIN FLAGS]

The paper's claim (Benton et al. 2021, Fig. 8): for each seed, K independent base models (the deep
ensemble, DE) and K simplexes of three vertices, each grown from a further base model (ESPRO's
components: train --procedure ensemble --components 1 --vertices 2). Every one is a member: its own
train process into DIR/seed-S/de-I or DIR/seed-S/espro-I, then an eval process on the test split
(DE: the model's logits; ESPRO: the softmax averaged over --points points of its simplex, as
eval --samples). A member already finished is not run again; one stopped half way resumes from its
checkpoint. Then, for k = 1…K: test error, NLL, ECE and Brier of DE (the first k members' softmax
averaged) and of ESPRO (the first k simplexes' averaged predictions, equal points each), with what
the k members cost to train (epochs, images as optimiser steps × batch size, seconds as train
logs them). Writes DIR/report.csv, .json, .md and a self-contained .html (Plotly inlined: error
and NLL against k, error against training time). Prints one JSON object: the finished and missing
members, the table (mean over seeds) and the files. Exit status 1 when a member failed (the
report holds the others; the failure's error line is in DIR/seed-S/NAME.train.err or .eval.err).

  --data DATA        a CIFAR-10/100 tarball, a folder of MNIST-family IDX files or an image folder
  --format F         cifar10 or cifar100, where a tarball's name does not tell
  --out DIR          the members' folders and the report (a second call goes on with them)
  --preset P         cpu (default): VGG11-BN at width 1/8, batches of 64, no augmentation, 3 base
                     epochs on the first 20,000 training images, 2 vertices of 1 epoch with 2 draws;
                     3 members, seeds 1,2, 10 points (Fashion-MNIST: about 25 min with --jobs 2 on 2
                     cores). paper: VGG16 with the reference's epochs (300 a base model, 10 a vertex),
                     4 members, seeds 1,2,3, 25 points
  --seeds S,S        the seeds (each gives every member another seed: a spread over seeds)
  --members K        members of each method per seed
  --points M         points drawn on each ESPRO simplex
  --test-limit N     evaluate on the first N test images (0: all, the default)
  --jobs N           members trained at once (default 1; one per core on the wasm backend)
  --backend B        passed to every train and eval (auto, webgpu, wasm or cpu)
  --list             print the members with their indices and states, run nothing
  --member I         run member I only (0 to 2·K·seeds − 1, in --list's order) and exit: one array
                     task of a cluster job (Slurm's SLURM_ARRAY_TASK_ID, a Kubernetes Indexed Job's
                     JOB_COMPLETION_INDEX); all tasks write into the same DIR
  --collect          run nothing: the report from the members finished so far (the missing ones
                     listed with why), exit status 0
  -- FLAGS           train flags after the preset's, for every member (the last of a flag wins),
                     e.g. -- --base-epochs 5 --train-limit 0
`;
