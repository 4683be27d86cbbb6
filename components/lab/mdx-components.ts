import type { MDXComponents } from 'mdx/types';
import { Callout } from './Callout';
import { DropButton } from './DropButton';
import { Experiment, Steps, Why, YouShouldSee } from './Experiment';
import { CodeBlock, WideTable } from './Scrollable';
import { TerminalBox } from './TerminalBox';

/**
 * The building blocks every lesson's MDX can use without importing them, and the prose's own code
 * blocks and tables, which may scroll sideways and so must be reachable by keyboard.
 */
export const commonMdxComponents: MDXComponents = {
  pre: CodeBlock,
  table: WideTable,
  Callout,
  DropButton,
  Experiment,
  Steps,
  TerminalBox,
  Why,
  YouShouldSee,
};
