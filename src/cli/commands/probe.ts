import type { CommandModule } from 'yargs';

// Placeholder until the command is built; replaced by its owner.
export const probeCommand: CommandModule = {
  command: 'probe',
  describe: false,
  handler: () => {
    throw new Error('probe: not implemented yet');
  },
};
