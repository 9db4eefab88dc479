import { createDotKernel } from "../../server/search/index/dot-kernel.js";
import { rng } from "./vector-index-contract.js";

describe("dot kernels of the in-process index", () => {
  it("uses WebAssembly SIMD on this runtime (Node 20 validates it)", () => {
    expect(createDotKernel(64).simd).toBe(true);
    expect(createDotKernel(64, false).simd).toBe(false);
  });

  it.each([1, 3, 4, 7, 8, 9, 15, 16, 17, 64, 384, 511, 512])("SIMD and JS kernels agree with a float64 reference at %i dims", (dim) => {
    const random = rng(dim);
    const rows = 5;
    const simd = createDotKernel(rows * dim);
    const js = createDotKernel(rows * dim, false);
    const values = Float32Array.from({ length: rows * dim }, () => random() * 2 - 1);
    simd.f32.set(values);
    js.f32.set(values);
    for (let a = 0; a < rows; a++) {
      for (let b = 0; b < rows; b++) {
        let reference = 0;
        for (let i = 0; i < dim; i++) reference += values[a * dim + i] * values[b * dim + i];
        const tolerance = 1e-5 * Math.max(1, Math.sqrt(dim));
        expect(Math.abs(simd.dot(a * dim * 4, b * dim * 4, dim) - reference)).toBeLessThan(tolerance);
        expect(Math.abs(js.dot(a * dim * 4, b * dim * 4, dim) - reference)).toBeLessThan(tolerance);
      }
    }
  });

  it("keeps its content when the memory grows", () => {
    const kernel = createDotKernel(16);
    kernel.f32.set([1, 2, 3, 4], 0);
    kernel.reserve(1_000_000);
    expect(kernel.f32.length).toBeGreaterThanOrEqual(1_000_000);
    expect(Array.from(kernel.f32.subarray(0, 4))).toEqual([1, 2, 3, 4]);
    expect(kernel.dot(0, 0, 4)).toBe(30);
  });
});
