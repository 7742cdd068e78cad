// Imported first by a benchmark: Slipway's info logs would interleave with the figures.
// (ES modules evaluate in import order, so this runs before lib/log.ts reads the level.)
process.env.SLIPWAY_LOG_LEVEL ??= 'warn';
