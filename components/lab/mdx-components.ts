import type { MDXComponents } from 'mdx/types';
import { Callout } from './Callout';
import { DropButton } from './DropButton';
import { Experiment, Steps, Why, YouShouldSee } from './Experiment';
import { TerminalBox } from './TerminalBox';

/** The building blocks every lesson's MDX can use without importing them. */
export const commonMdxComponents: MDXComponents = {
  Callout,
  DropButton,
  Experiment,
  Steps,
  TerminalBox,
  Why,
  YouShouldSee,
};
