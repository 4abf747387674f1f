import { randn, tensor, tidy, manualSeed, full } from './src/engine/index.js';
import { UNet } from './src/edm/unet.js';
manualSeed(0);
for (const [ch, lat] of [[32, null], [32, {m:10,k:100}], [64, null], [64, {m:10,k:100}]] as const) {
  const net = new UNet({ resolution: 32, inChannels: 1, channels: ch, latents: lat });
  console.log(ch, lat ? 'latent' : 'base', net.numParameters());
  const x = randn([32, 1, 32, 32]); const c = randn([32]);
  const z = lat ? randn([32, 10, 100]).softmax(-1) : null;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    tidy(() => { const y = net.forward(x, c, { latents: z }); y.square().mean().backward(); });
    console.log('  step ms', (performance.now() - t0).toFixed(0));
  }
}
