// runtime/npy.ts: byte-exact with numpy's own files (fixtures written by numpy 2.4 with np.save
// and numpy.lib.format.write_array), round trips of every dtype, sidecars, ScaledArray pairs,
// and a clear ValidationError for each kind of file we do not read.
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { DTYPES, type DType } from "../../ir/dtype.js";
import { ValidationError } from "../../ir/errors.js";
import { decodeNpy, encodeNpy, readNpy, readScaledNpy, writeNpy, writeScaledNpy } from "../../runtime/npy.js";
import { ScaledArray } from "../../runtime/scaled-array.js";
import { array, Tensor } from "../../runtime/tensor.js";

const FIXTURES = fileURLToPath(new URL("./fixtures/npy/", import.meta.url));
const fixture = (name: string) => join(FIXTURES, `${name}.npy`);
const tempDir = () => mkdtempSync(join(tmpdir(), "scalify-npy-"));
const bits = (t: Tensor) => Array.from(t.bits() as ArrayLike<number>);

describe("numpy's files", () => {
  it.each([
    ["f32", "f32", [2, 3], [[-2.5, -1.5, -0.5], [0.5, 1.5, 2.5]]],
    ["f16", "f16", [3], [1.5, -2, 65504]],
    ["i32", "i32", [2, 2], [[1, -2], [3, 2147483647]]],
    ["bool", "bool", [3], [true, false, true]],
    ["scalar", "f32", [], 3.25],
  ] as const)("%s.npy reads as %s and writes back byte for byte", (name, dtype, shape, values) => {
    const t = readNpy(fixture(name));
    expect([t.dtype, t.shape]).toEqual([dtype, shape]);
    expect(t.toArray()).toEqual(values);
    expect(Buffer.from(encodeNpy(t)).equals(readFileSync(fixture(name)))).toBe(true);
  });

  it("reads format versions 2.0 and 3.0", () => {
    expect(readNpy(fixture("v2")).toArray()).toEqual([0, 1, 2, 3]);
    expect(readNpy(fixture("v3")).toArray()).toEqual([0, 1, 2, 3]);
  });
});

describe("round trips", () => {
  const values = [0, 1, -2.5, 448, 1e-3, -0];
  it.each(DTYPES.map((d) => [d]))("%s through a file, with a sidecar exactly for bf16 and fp8", (dtype: DType) => {
    const dir = tempDir();
    const file = join(dir, "t.npy");
    const t = array(dtype === "bool" ? values.map((v) => (v ? 1 : 0)) : values, { dtype, shape: [2, 3] });
    writeNpy(file, t);
    const back = readNpy(file);
    expect([back.dtype, back.shape, bits(back)]).toEqual([dtype, [2, 3], bits(t)]);
    const sidecar = ["bf16", "f8e4m3fn", "f8e5m2"].includes(dtype);
    expect(existsSync(`${file}.json`)).toBe(sidecar);
    if (sidecar) expect(JSON.parse(readFileSync(`${file}.json`, "utf8"))).toEqual({ dtype });
    expect(readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]); // atomic writes leave nothing behind
  });

  it("overwriting a bf16 file with an f32 one removes the stale sidecar", () => {
    const file = join(tempDir(), "t.npy");
    writeNpy(file, array([1, 2], { dtype: "bf16" }));
    writeNpy(file, array([1, 2]));
    expect(existsSync(`${file}.json`)).toBe(false);
    expect(readNpy(file).dtype).toBe("f32");
  });

  it("empty and rank-0 tensors, and a header too long for format 1.0", () => {
    for (const t of [array([], { dtype: "i32" }), array(7, { dtype: "f16" }), new Tensor("f32", new Array(30000).fill(1), Float32Array.of(5))]) {
      const bytes = encodeNpy(t);
      const back = decodeNpy(bytes, t.dtype);
      expect([back.shape, bits(back)]).toEqual([t.shape, bits(t)]);
    }
    expect(encodeNpy(new Tensor("f32", new Array(30000).fill(1), Float32Array.of(5)))[6]).toBe(2); // version 2.0
  });

  it("a ScaledArray as NAME.data.npy + NAME.scale.npy", () => {
    const dir = tempDir();
    const s = new ScaledArray(array([1, -0.5, 448], { dtype: "f8e4m3fn" }), 0.125);
    writeScaledNpy(join(dir, "s.npy"), s);
    expect(readdirSync(dir).sort()).toEqual(["s.data.npy", "s.data.npy.json", "s.scale.npy"]);
    const back = readScaledNpy(join(dir, "s"));
    expect([back.dtype, bits(back.data), back.scale.item()]).toEqual(["f8e4m3fn", bits(s.data), 0.125]);
  });
});

describe("files we do not read", () => {
  const error = (f: () => unknown): ValidationError => {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(ValidationError);
      return e as ValidationError;
    }
    throw new Error("expected a ValidationError");
  };
  const good = encodeNpy(array([1, 2, 3]));

  it.each([
    ["fortran", "fortran_order", /Fortran-order/],
    ["be", "descr", /big-endian/],
    ["f64", "descr", /unsupported dtype "<f8"/],
    ["u2", "descr", /"<u2" holds bf16 codes only with a sidecar/],
  ])("%s.npy: names the file and the field", (name, field, message) => {
    const e = error(() => readNpy(fixture(name)));
    expect(e.path).toBe(`${fixture(name)}: ${field}`);
    expect(e.detail).toMatch(message);
  });

  it("truncated data, truncated header, extra bytes, bad magic", () => {
    expect(error(() => decodeNpy(good.subarray(0, good.length - 1))).detail).toMatch(/truncated data: .* needs 12 bytes, the file has 11/);
    expect(error(() => decodeNpy(good.subarray(0, 40))).detail).toMatch(/truncated header/);
    expect(error(() => decodeNpy(Uint8Array.from([...good, 0]))).detail).toMatch(/1 unexpected bytes/);
    expect(error(() => decodeNpy(Uint8Array.from(Buffer.from("PK\x03\x04 not npy")))).path).toBe("magic");
  });

  it("a sidecar that disagrees with the data, or is not valid", () => {
    const dir = tempDir();
    const file = join(dir, "t.npy");
    writeNpy(file, array([1, 2]));
    writeFileSync(`${file}.json`, JSON.stringify({ dtype: "bf16" }));
    expect(error(() => readNpy(file)).detail).toMatch(/the sidecar says bf16, which is stored as "<u2", but the data is "<f4"/);
    writeFileSync(`${file}.json`, JSON.stringify({ dtype: "f64" }));
    expect(error(() => readNpy(file)).path).toBe(`${file}.json: dtype`);
  });
});
